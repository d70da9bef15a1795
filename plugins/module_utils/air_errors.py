# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AirError and the translation of HTTP failures into one-line messages with a hint."""

from __future__ import annotations

import re

try:
    import urllib3
except ImportError:
    urllib3 = None

# Fixed path segments; any other segment of a path is an object id (used for 404 hints).
_PATH_WORDS = frozenset(
    (
        "simulations",
        "runs",
        "checkpoints",
        "nodes",
        "start",
        "shutdown",
        "rebuild",
        "clone",
        "bulk-rebuild",
    )
)


class AirError(Exception):
    """A failed Air API call or bad client configuration; str(err) is the user message."""

    def __init__(
        self,
        msg: str,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        detail: str | None = None,
        field_errors: dict | None = None,
    ):
        super().__init__(msg)
        self.msg = msg
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
        self.field_errors = field_errors

    def __str__(self) -> str:
        return self.msg

    def to_dict(self) -> dict:
        return {
            "msg": self.msg,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "detail": self.detail,
            "field_errors": self.field_errors,
        }


def describe_body(data) -> tuple:
    """Return (detail, field_errors, text) from a DRF-style error body (contract section 7)."""
    if isinstance(data, dict):
        detail = data.get("detail")
        if detail is not None and not isinstance(detail, str):
            detail = str(detail)
        field_errors = None
        parts = []
        fields = {k: v for k, v in data.items() if k != "detail"}
        if fields:
            field_errors = {}
            for name, messages in fields.items():
                if not isinstance(messages, list):
                    messages = [messages]
                field_errors[name] = [str(m) for m in messages]
                parts.append(f"{name}: {' '.join(field_errors[name])}")
        text = detail or "; ".join(parts)
        if detail and parts:
            text = f"{detail} ({'; '.join(parts)})"
        return detail, field_errors, text
    if isinstance(data, list):
        return None, None, " ".join(str(item) for item in data)
    return None, None, str(data)


def root_cause(exc) -> str:
    """The innermost readable reason of a requests/urllib3 exception chain."""
    for _depth in range(6):
        inner = None
        if urllib3 is not None and isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason:
            inner = exc.reason
        elif exc.args and isinstance(exc.args[0], BaseException):
            inner = exc.args[0]
        elif len(exc.args) > 1 and isinstance(exc.args[1], BaseException):
            inner = exc.args[1]
        if inner is None:
            break
        exc = inner
    # urllib3 prefixes messages with "<urllib3.connection.HTTPConnection object at 0x...>: ".
    text = re.sub(r"<[^>]* object at 0x[0-9a-f]+>: ", "", str(exc))
    return text or type(exc).__name__


def after_retries(attempts: int) -> str:
    """The " (after N retries)" note for a message, empty when nothing was retried."""
    if not attempts:
        return ""
    return f" (after {attempts} {'retry' if attempts == 1 else 'retries'})"


def with_hint(msg: str, hint: str) -> str:
    """Append a hint as its own sentence; server details often end with a full stop already."""
    if not hint:
        return msg
    return f"{msg} {hint}" if msg.endswith((".", "!", "?")) else f"{msg}. {hint}"


def hint_for(method: str, path: str, status: int) -> str:
    if status in (401, 403):
        scope = "air:simulation_read" if method == "GET" else "air:simulation_edit"
        return (
            "Check the API token (api_token or AIR_API_TOKEN): it must be a valid NGC API key "
            f"with the {scope} scope"
        )
    if status == 404:
        segments = [s for s in path.split("?")[0].strip("/").split("/") if s]
        for index in range(len(segments) - 1, 0, -1):
            if segments[index] not in _PATH_WORDS:
                kind = segments[index - 1].rstrip("s")
                return (
                    f"Check the {kind} id {segments[index]}: it does not exist or this token "
                    "cannot see it"
                )
        return "Check api_url: the API has no such path"
    if status == 429:
        return "The API is rate limiting; raise retries or retry_max_delay, or try again later"
    if status >= 500:
        return "The Air API failed; try again later"
    return ""
