# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client for the NVIDIA Air API v3.

Depends on requests and the standard library only (no ansible-core imports), so filter
plugins, benchmarks and tests can use it without Ansible. Every user-facing failure is an
AirError whose str() is one line; errors live in air_errors.py, api_url and NGC config rules in
air_config.py, and both are re-exported here.
"""

from __future__ import annotations

import os
import random
import re
import time
import traceback
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

try:
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.nvair.air.plugins.module_utils.air_config import (
    DEFAULT_API_URL,
    DEFAULT_NGC_CONFIG,
    is_loopback,
    normalize_api_url,
    origin_of,
    read_ngc_api_key,
)
from ansible_collections.nvair.air.plugins.module_utils.air_errors import (
    AirError,
    after_retries,
    describe_body,
    hint_for,
    root_cause,
    with_hint,
)

# Re-exported: callers import everything client-related from this module.
__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_NGC_CONFIG",
    "HAS_REQUESTS",
    "REQUESTS_IMPORT_ERROR",
    "AirClient",
    "AirError",
    "normalize_api_url",
    "read_ngc_api_key",
]

# Kept equal to galaxy.yml's version by a unit test.
COLLECTION_VERSION = "0.1.0"
USER_AGENT = f"nvair.air/{COLLECTION_VERSION}"

DEFAULT_CONNECT_TIMEOUT = 16.0
DEFAULT_READ_TIMEOUT = 61.0
DEFAULT_RETRIES = 5
DEFAULT_RETRY_MAX_DELAY = 60.0
DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000
DEFAULT_POOL_SIZE = 32

# Statuses that mean "try again later". A 500 is deliberately absent: the SDK does not retry
# 5xx (contract section 7), and a 500 from Air is more likely a bug that a retry repeats.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "DELETE", "PUT"))
BACKOFF_BASE = 1.0

_TOKEN_CHARS = re.compile(r"^[\x21-\x7e]+$")
_REDACTED = "********"
_BODY_SNIPPET = 200


def _retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _BearerAuth:
    """requests auth hook that sends the token as a bearer token."""

    def __init__(self, token: str):
        self._header = f"Bearer {token}"

    def __call__(self, request):
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return "<_BearerAuth ********>"


class AirClient:
    """One requests session against one Air API base URL.

    Safe to share between threads (air_checkpoint runs a thread pool over one client); the
    connection pool holds pool_size connections.
    """

    def __init__(
        self,
        api_url: str,
        api_token: str,
        *,
        validate_certs: bool = True,
        ca_path: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        retry_max_delay: float = DEFAULT_RETRY_MAX_DELAY,
        page_size: int = DEFAULT_PAGE_SIZE,
        pool_size: int = DEFAULT_POOL_SIZE,
        log: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
        user_agent: str | None = None,
    ):
        if not HAS_REQUESTS:
            raise AirError("The Python library requests is required to talk to the Air API")
        self.base_url = normalize_api_url(api_url)
        token = (api_token or "").strip()
        if not token:
            raise AirError("The Air API token is empty: set api_token or AIR_API_TOKEN")
        if not _TOKEN_CHARS.match(token):
            # requests would quote the whole header value, token included, in its exception.
            raise AirError(
                "The Air API token contains spaces, control or non-ASCII characters and cannot "
                "be sent; check api_token / AIR_API_TOKEN for a stray quote or newline"
            )
        self._token = token
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.retries = int(retries)
        self.retry_max_delay = float(retry_max_delay)
        self.page_size = int(page_size)
        self._log = log or (lambda msg: None)
        self._warn = warn or (lambda msg: None)
        # Every retry line, so a module can return them (visible with -v).
        self.retry_log: list[str] = []
        self._sleep = time.sleep
        self._random = random.random

        # Passed with every request: requests lets REQUESTS_CA_BUNDLE replace a session-level
        # verify=False, but never an explicit per-request value other than True.
        if not validate_certs:
            self._verify: bool | str = False
        elif ca_path:
            self._verify = os.path.expanduser(ca_path)
            # requests raises a bare OSError for a missing bundle, and only at the first request.
            if not os.path.exists(self._verify):
                raise AirError(
                    f"ca_path {ca_path!r} does not exist; give the CA bundle file (PEM) or a "
                    "directory of CA certificates"
                )
        else:
            self._verify = True

        parts = urlsplit(self.base_url)
        self._origin = origin_of(parts)
        if not validate_certs and parts.scheme == "https":
            self._warn(
                "validate_certs is false: the Air API's TLS certificate is not checked, so the "
                "token could be sent to an impostor"
            )
            # Our one warning replaces urllib3's warning on every request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            self._warn(
                f"api_url uses plain http to {parts.hostname}: the API token travels "
                "unencrypted; use https"
            )

        self.session = requests.Session()
        self._send_options: dict | None = None
        # Retries are ours (max_retries=0) so each one is logged and Retry-After is capped.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=int(pool_size), max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        # As session auth rather than a plain header, so a ~/.netrc entry for the host cannot
        # replace the token; requests drops it when a redirect leaves the host.
        self.session.auth = _BearerAuth(token)
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": user_agent or USER_AGENT}
        )

    def __enter__(self) -> AirClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def redact(self, text):
        """Replace the token wherever it appears in text."""
        if text is None:
            return None
        return str(text).replace(self._token, _REDACTED)

    def url_for(self, path: str) -> str:
        path = path.lstrip("/")
        if not path.endswith("/"):
            path += "/"
        return f"{self.base_url}/{path}"

    def get(self, path: str, params: dict | None = None):
        return self.request("GET", path, params=params)

    def patch(self, path: str, body: dict):
        # Our PATCH bodies carry absolute values (name, favorite), never increments, so sending
        # one twice leaves the same result: safe to retry like GET.
        return self.request("PATCH", path, json=body, idempotent=True)

    def delete(self, path: str) -> None:
        # If a first DELETE reached the server, its retry answers 400 (already DELETED,
        # contract section 8.1); callers re-read the checkpoint to tell the two apart.
        return self.request("DELETE", path, expected=(204,))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json=None,
        expected: tuple = (200,),
        idempotent: bool | None = None,
    ):
        """Send one API call with retries; return the decoded JSON body (None for 204)."""
        data, _url = self._call(
            method, self.url_for(path), path, params, json, expected, idempotent
        )
        return data

    def paginate(
        self,
        path: str,
        params: dict | None = None,
        *,
        ordering: str | None = "created",
        page_size: int | None = None,
    ) -> Iterator[dict]:
        """Yield the items of a paged listing, holding one page in memory at a time.

        Always sends limit and ordering. Follows `next` exactly as given (it carries every
        filter), but only on api_url's scheme, host and port, so the token never goes to another
        server. A `next` seen before means the server loops, and raises AirError.
        """
        query = dict(params or {})
        query["limit"] = int(page_size or self.page_size)
        if ordering:
            query["ordering"] = ordering
        page, url = self._call("GET", self.url_for(path), path, query, None, (200,), None)
        seen = {url}
        number = 1
        while True:
            results, next_url = self._page_parts(page, path, number)
            page = None
            yield from results
            if not next_url:
                return
            if next_url in seen:
                raise AirError(
                    f"GET {path}: the API returned the next link {next_url} a second time (after "
                    f"page {number}); stopping instead of looping",
                    method="GET",
                    path=path,
                )
            if origin_of(urlsplit(next_url)) != self._origin:
                raise AirError(
                    f"GET {path}: the API's next link {next_url} is not on api_url's host "
                    f"{self.base_url}; refusing to send the token there (set api_url to the host "
                    "the API reports)",
                    method="GET",
                    path=path,
                )
            seen.add(next_url)
            number += 1
            page, _url = self._call("GET", next_url, path, None, None, (200,), None)

    @staticmethod
    def _page_parts(page, path: str, number: int) -> tuple:
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise AirError(
                f"GET {path}: page {number} is not a paged listing (no 'results' list); check "
                "api_url",
                method="GET",
                path=path,
            )
        next_url = page.get("next")
        if next_url is not None and not isinstance(next_url, str):
            raise AirError(
                f"GET {path}: page {number} has a 'next' that is not a URL",
                method="GET",
                path=path,
            )
        return page["results"], next_url

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_max_delay)
        # Full jitter spreads the retries of parallel workers instead of synchronising them.
        ceiling = min(self.retry_max_delay, BACKOFF_BASE * (2**attempt))
        return ceiling * self._random()

    def _retry(self, method, path, attempt, reason, retry_after=None) -> None:
        delay = self._backoff(attempt, retry_after)
        why = " (Retry-After)" if retry_after is not None else ""
        line = self.redact(
            f"{method} {path}: {reason}; retry {attempt + 1} of {self.retries} in {delay:.1f} s{why}"
        )
        self.retry_log.append(line)
        self._log(line)
        self._sleep(delay)

    def _call(self, method, url, path, params, body, expected, idempotent) -> tuple:
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        timeout = (self.connect_timeout, self.read_timeout)
        attempt = 0
        while True:
            try:
                response = self._send(method, url, params, body, timeout)
            except requests.exceptions.RequestException as exc:
                retryable = self._never_sent(exc) or (idempotent and self._maybe_sent(exc))
                if retryable and attempt < self.retries:
                    self._retry(method, path, attempt, self._exception_reason(exc))
                    attempt += 1
                    continue
                raise self._connection_error(method, path, exc, attempt) from None

            if response.status_code in expected:
                return self._decode(method, path, response), response.url

            status = response.status_code
            if idempotent and status in RETRY_STATUSES and attempt < self.retries:
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                reason = f"{status} {response.reason or ''}".strip()
                response.close()
                self._retry(method, path, attempt, reason, retry_after)
                attempt += 1
                continue
            raise self._status_error(method, path, response, expected, attempt)

    def _send(self, method, url, params, body, timeout):
        # What Session.request does, minus what it would redo for every call: the proxy and CA
        # settings from the environment are the same for every URL of this client (one origin,
        # enforced by paginate), so they are looked up once. Measured in benchmarks: a quarter
        # less CPU per request, which bounds a long list form when the API answers fast.
        if self._send_options is None:
            self._send_options = self.session.merge_environment_settings(
                self.base_url, {}, None, self._verify, None
            )
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method=method,
            url=url,
            headers=self.session.headers,
            params=params,
            json=body,
            auth=self.session.auth,
            cookies=self.session.cookies,
        )
        return self.session.send(prepared, timeout=timeout, **self._send_options)

    @staticmethod
    def _never_sent(exc) -> bool:
        """True when the call failed while connecting, before any byte of the request left."""
        if isinstance(exc, requests.exceptions.SSLError):
            return False
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return True
        if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
            # With urllib3's retries off, only connect-phase failures come wrapped in
            # MaxRetryError; a connection dropped mid-request comes as ProtocolError.
            return isinstance(exc.args[0], urllib3.exceptions.MaxRetryError)
        return False

    @staticmethod
    def _maybe_sent(exc) -> bool:
        if isinstance(exc, requests.exceptions.SSLError):
            return False
        return isinstance(
            exc,
            (
                requests.exceptions.ReadTimeout,
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
            ),
        )

    def _exception_reason(self, exc) -> str:
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return f"no connection within {self.connect_timeout:g} s"
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return f"no answer within {self.read_timeout:g} s"
        if isinstance(exc, requests.exceptions.ConnectionError):
            if exc.args and isinstance(exc.args[0], urllib3.exceptions.MaxRetryError):
                return f"cannot connect ({root_cause(exc.args[0].reason)})"
            return f"connection lost ({root_cause(exc)})"
        return f"{type(exc).__name__} ({root_cause(exc)})"

    def _connection_error(self, method, path, exc, attempts) -> AirError:
        after = after_retries(attempts)
        where = self.base_url
        if isinstance(exc, requests.exceptions.SSLError):
            msg = (
                f"{method} {path}: TLS error talking to {where}: {root_cause(exc)}. If the server "
                "uses a private CA, set ca_path to its CA bundle; validate_certs: false disables "
                "the check (insecure)"
            )
        elif isinstance(exc, requests.exceptions.ConnectTimeout):
            msg = (
                f"{method} {path}: no connection to {where} within {self.connect_timeout:g} s"
                f"{after}; check api_url and that the host is reachable, or raise connect_timeout"
            )
        elif isinstance(exc, requests.exceptions.ReadTimeout):
            msg = (
                f"{method} {path}: {where} sent no answer within {self.read_timeout:g} s{after}; "
                "raise timeout or try again later"
            )
        elif isinstance(exc, requests.exceptions.ConnectionError):
            msg = (
                f"{method} {path}: {self._exception_reason(exc)}{after}; check api_url ({where}) "
                "and that the host is reachable"
            )
        else:
            msg = f"{method} {path}: request failed: {self._exception_reason(exc)}"
        return AirError(self.redact(msg), method=method, path=path)

    def _decode(self, method, path, response):
        if response.status_code == 204:
            return None
        try:
            return response.json()
        except ValueError:
            raise AirError(
                f"{method} {path}: the {response.status_code} answer is not JSON: "
                f"{self._snippet(response)}; check that api_url points to the Air API",
                method=method,
                path=path,
                status=response.status_code,
            ) from None

    def _snippet(self, response) -> str:
        text = (response.text or "").strip().replace("\n", " ")
        if len(text) > _BODY_SNIPPET:
            text = text[:_BODY_SNIPPET] + "..."
        return repr(self.redact(text)) if text else "(empty body)"

    def _status_error(self, method, path, response, expected, attempts) -> AirError:
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            detail, field_errors, text = None, None, self._snippet(response)
        else:
            detail, field_errors, text = describe_body(data)
        if 200 <= status < 300:
            wanted = " or ".join(str(s) for s in expected)
            text = f"the API answered {status}, expected {wanted}"

        msg = f"{method} {path}: {status} {response.reason or ''}".rstrip()
        msg += after_retries(attempts)
        if text:
            msg += f": {text}"
        msg = with_hint(msg, hint_for(method, path, status))
        if field_errors:
            field_errors = {k: [self.redact(m) for m in v] for k, v in field_errors.items()}
        return AirError(
            self.redact(msg),
            method=method,
            path=path,
            status=status,
            detail=self.redact(detail),
            field_errors=field_errors,
        )
