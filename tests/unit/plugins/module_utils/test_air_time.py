# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timestamps from the API and ages from users."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.nvair.air.plugins.module_utils.air_time import (
    format_timestamp,
    parse_age,
    parse_point_in_time,
    parse_timestamp,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-11T18:36:14.123456Z", datetime(2026, 3, 11, 18, 36, 14, 123456, UTC)),
        ("2026-03-11T18:36:14Z", datetime(2026, 3, 11, 18, 36, 14, tzinfo=UTC)),
        ("2026-03-11T18:36:14.1Z", datetime(2026, 3, 11, 18, 36, 14, 100000, UTC)),
        ("2026-03-11T18:36:14.123456789Z", datetime(2026, 3, 11, 18, 36, 14, 123456, UTC)),
        ("2026-03-11T18:36:14.5+02:00", datetime(2026, 3, 11, 16, 36, 14, 500000, UTC)),
        ("2026-03-11T18:36:14-0130", datetime(2026, 3, 11, 20, 6, 14, tzinfo=UTC)),
        ("2026-03-11T18:36:14+05", datetime(2026, 3, 11, 13, 36, 14, tzinfo=UTC)),
        ("2026-03-11T18:36:14", datetime(2026, 3, 11, 18, 36, 14, tzinfo=UTC)),
        ("2026-03-11 18:36", datetime(2026, 3, 11, 18, 36, tzinfo=UTC)),
        ("2026-03-11", datetime(2026, 3, 11, tzinfo=UTC)),
        ("2026-01-01T00:30:00+01:00", datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_utc(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-02-30",
        "2026-03-11T25:00:00Z",
        "2026-03-11T18:36:14+24:00",
        "2026-03-11T18:36:14ZZ",
        "20260311T183614Z",
    ],
)
def test_bad_timestamps_name_the_text(text):
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        parse_timestamp(text)


YEARS = {"min_value": datetime(1971, 1, 1), "max_value": datetime(2200, 1, 1)}


# Fixed offsets: zone rules with DST gaps make "equal instant" ambiguous (PEP 495).
OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(st.datetimes(timezones=OFFSETS, **YEARS))
def test_format_then_parse_keeps_the_instant(value):
    assert parse_timestamp(format_timestamp(value)) == value


@given(st.datetimes(timezones=OFFSETS, **YEARS))
def test_isoformat_output_parses(value):
    assert parse_timestamp(value.isoformat()) == value


def test_format_uses_microseconds_and_z():
    value = datetime(2026, 3, 11, 20, 36, 14, 5, timezone(timedelta(hours=2)))
    assert format_timestamp(value) == "2026-03-11T18:36:14.000005Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 1D 12H ", timedelta(days=1, hours=12)),
        ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
    ],
)
def test_ages(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["", "30", "-1d", "d", "1y", "1.5d", "1d-2h", "0d", "0h0m"])
def test_bad_ages_are_refused(text):
    with pytest.raises(ValueError):
        parse_age(text)


def test_point_in_time_from_age_or_timestamp():
    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert parse_point_in_time("30d", now) == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert parse_point_in_time("2026-03-01T00:00:00+01:00", now) == datetime(
        2026, 2, 28, 23, 0, tzinfo=UTC
    )
    with pytest.raises(ValueError, match=r"neither an ISO-8601 timestamp .* nor an age"):
        parse_point_in_time("last week", now)
