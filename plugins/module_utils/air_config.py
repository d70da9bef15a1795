# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the API is and which token to use: api_url normalisation and the NGC CLI config."""

from __future__ import annotations

import configparser
import ipaddress
import os
import re
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.nvair.air.plugins.module_utils.air_errors import AirError

DEFAULT_API_URL = "https://api.air-ngc.nvidia.com/api/v3"
DEFAULT_NGC_CONFIG = "~/.ngc/config"

_API_PATH = re.compile(r"^/api/v\d+(?=/|$)")


def normalize_api_url(url: str) -> str:
    """Apply the SDK's rule: keep a path starting with /api/vN, otherwise use /api/v3.

    Only the /api/vN part is kept, so base_url always ends with it; query and fragment are
    dropped. Credentials inside the URL are refused because messages print the URL.
    """
    text = (url or "").strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise AirError(
            f"api_url {text!r} is not a usable URL: it needs an http or https scheme and a "
            f"host, e.g. {DEFAULT_API_URL}"
        )
    if parts.username is not None or parts.password is not None:
        raise AirError(
            "api_url must not contain a user name or password; pass the key as api_token "
            "(or AIR_API_TOKEN) instead"
        )
    try:
        port = parts.port
    except ValueError:
        raise AirError(f"api_url {text!r} has an invalid port") from None
    host = parts.hostname
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"

    match = _API_PATH.match(parts.path)
    path = match.group(0) if match else "/api/v3"
    return urlunsplit((scheme, netloc, path, "", ""))


def read_ngc_api_key(path: str = DEFAULT_NGC_CONFIG) -> str:
    """Return the one API key stored in the NGC CLI config file.

    Like the SDK, every section is searched for an `apikey` entry, and the key must start with
    `nvapi-` (the only kind Air accepts; a legacy NGC key is refused here with a clear message
    rather than by a 403 later). Lines starting with ';' or '#' are comments. Sections holding
    different keys are ambiguous and fail, naming the sections; the same key twice is fine.
    """
    full = os.path.expanduser(path)
    missing_hint = (
        "set api_token (or the AIR_API_TOKEN environment variable), or store a key with "
        f"'ngc config set' in {path}"
    )
    if not os.path.isfile(full):
        raise AirError(f"No Air API token: {missing_hint}")

    # default_section is renamed so that a [DEFAULT] apikey is not copied into every section.
    parser = configparser.ConfigParser(
        interpolation=None, strict=False, default_section="\x00no-default"
    )
    try:
        with open(full, encoding="utf-8") as handle:
            parser.read_file(handle)
    except configparser.Error as exc:
        # The parser's own message quotes the offending line, which may hold the key.
        line = getattr(exc, "lineno", None)
        if line is None and getattr(exc, "errors", None):
            line = exc.errors[0][0]
        where = f" (line {line})" if line is not None else ""
        raise AirError(
            f"Cannot parse the NGC config file {path}{where}; fix it or set api_token"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AirError(f"Cannot read the NGC config file {path}: {type(exc).__name__}") from None

    keys = {}
    for section in parser.sections():
        value = parser.get(section, "apikey", fallback="").strip()
        if value:
            keys[section] = value
    if not keys:
        raise AirError(f"No apikey entry in {path}: {missing_hint}")
    if len(set(keys.values())) > 1:
        raise AirError(
            f"{path} holds different API keys in sections {', '.join(sorted(keys))}; set "
            "api_token (or AIR_API_TOKEN) to choose one"
        )
    section, key = sorted(keys.items())[0]
    if not key.startswith("nvapi-"):
        raise AirError(
            f"The apikey in section [{section}] of {path} does not start with 'nvapi-' (a legacy "
            "NGC key?); Air needs a personal or service API key: set api_token"
        )
    return key


def origin_of(parts) -> tuple:
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
