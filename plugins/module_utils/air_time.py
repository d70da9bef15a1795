# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timestamps and relative ages, always as timezone-aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# fromisoformat before Python 3.11 rejects "Z" and fractions that are not 3 or 6 digits, and
# the API's format is not guaranteed (contract section 2), so parse with one explicit pattern.
_TIMESTAMP = re.compile(
    r"""^\s*
    (?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})
    (?:[Tt\ ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
       (?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?
    )?
    \s*$""",
    re.VERBOSE,
)
_AGE_PART = re.compile(r"(\d+)\s*([wdhms])", re.IGNORECASE)
_AGE = re.compile(r"^\s*(?:\d+\s*[wdhms]\s*)+$", re.IGNORECASE)
_AGE_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 timestamp into an aware UTC datetime.

    Accepts Z, +HH:MM, +HHMM and +HH offsets, any number of fraction digits (rounded down to
    microseconds) and a date alone (midnight). A timestamp without an offset is taken as UTC,
    the API's zone. Raises ValueError naming the text.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a timestamp: {text!r}")
    match = _TIMESTAMP.match(text)
    if not match:
        raise ValueError(f"not an ISO-8601 timestamp: {text!r}")
    parts = match.groupdict()
    fraction = (parts["fraction"] or "0")[:6].ljust(6, "0")
    try:
        value = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int(fraction),
            tzinfo=_zone(parts["zone"]),
        )
    except ValueError as exc:
        raise ValueError(f"not a valid timestamp: {text!r} ({exc})") from None
    return value.astimezone(timezone.utc)


def _zone(text: str | None) -> timezone:
    if not text or text in "Zz":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {text} out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


MAX_AGE = timedelta(days=36500)


def parse_age(text: str) -> timedelta:
    """Parse a relative age such as 30d, 12h, 90m, 45s, 2w or 1d12h into a timedelta.

    Raises ValueError for anything else, including negative or zero-length ages.
    """
    if not isinstance(text, str) or not _AGE.match(text):
        raise ValueError(
            f"not an age: {text!r}; use a number with a unit w, d, h, m or s, e.g. 30d or 1d12h"
        )
    amounts: dict[str, int] = {}
    for number, unit in _AGE_PART.findall(text):
        name = _AGE_UNITS[unit.lower()]
        amounts[name] = amounts.get(name, 0) + int(number)
    try:
        age = timedelta(**amounts)
    except OverflowError:
        age = None
    # Subtracting an age beyond any real checkpoint's lifetime from now would overflow datetime.
    if age is None or age > MAX_AGE:
        raise ValueError(f"age {text!r} is longer than {MAX_AGE.days} days; give a shorter age")
    if age <= timedelta(0):
        raise ValueError(f"age {text!r} is zero; give a positive age such as 30d")
    return age


def parse_point_in_time(text: str, now: datetime) -> datetime:
    """An ISO-8601 timestamp, or an age meaning `now - age`; aware UTC either way."""
    try:
        return now.astimezone(timezone.utc) - parse_age(text)
    except ValueError:
        pass
    try:
        return parse_timestamp(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither an ISO-8601 timestamp (e.g. 2026-03-11T18:36:14Z) nor an age "
            "(e.g. 30d, 12h, 1d12h)"
        ) from None


def format_timestamp(value: datetime) -> str:
    """UTC with microseconds and Z, the emulator's and SDK's format."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
