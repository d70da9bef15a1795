# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every nvair.air module shares: connection options, the client, failure output."""

from __future__ import annotations

import math

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.nvair.air.plugins.module_utils.air_client import (
    DEFAULT_API_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_PAGE_SIZE,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_RETRIES,
    DEFAULT_RETRY_MAX_DELAY,
    HAS_REQUESTS,
    MAX_PAGE_SIZE,
    REQUESTS_IMPORT_ERROR,
    AirClient,
    AirError,
    read_ngc_api_key,
)

# Result key that carries the retry lines of a run (shown with -v, absent when none happened).
RETRIES_KEY = "api_retries"

# One day: longer than any sensible wait for one answer, and far below what sockets accept.
MAX_SECONDS = 86400


def connection_argument_spec() -> dict:
    """Options documented by the nvair.air.connection doc fragment.

    Environment variables are fallbacks rather than required options, so a token from
    AIR_API_TOKEN (or the NGC config) satisfies a module that never names api_token.
    """
    return dict(
        api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["AIR_API_URL"])),
        api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["AIR_API_TOKEN"])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        connect_timeout=dict(type="float", default=DEFAULT_CONNECT_TIMEOUT),
        timeout=dict(type="float", default=DEFAULT_READ_TIMEOUT),
        retries=dict(type="int", default=DEFAULT_RETRIES),
        retry_max_delay=dict(type="float", default=DEFAULT_RETRY_MAX_DELAY),
        page_size=dict(type="int", default=DEFAULT_PAGE_SIZE),
    )


def check_not_bool(module, *names) -> None:
    """Ansible's int type accepts true/false as 1/0; a count given as a boolean is a mistake."""
    for name in names:
        if isinstance(module.params.get(name), bool):
            module.fail_json(
                msg=f"{name} must be a whole number, got the boolean {module.params[name]}"
            )


def _check_seconds(module, name: str, allow_zero: bool) -> None:
    value = module.params[name]
    # nan passes every comparison and inf overflows the socket layer; both would reach
    # requests and end in a traceback instead of a message.
    if not (math.isfinite(value) and value <= MAX_SECONDS):
        module.fail_json(msg=f"{name} must be at most {MAX_SECONDS} seconds, got {value:g}")
    if allow_zero and value < 0:
        module.fail_json(msg=f"{name} must be 0 or more seconds, got {value:g}")
    if not allow_zero and value <= 0:
        module.fail_json(msg=f"{name} must be above 0 seconds, got {value:g}")


def _check_connection_params(module) -> None:
    params = module.params
    check_not_bool(module, "retries", "page_size")
    _check_seconds(module, "connect_timeout", allow_zero=False)
    _check_seconds(module, "timeout", allow_zero=False)
    _check_seconds(module, "retry_max_delay", allow_zero=True)
    if params["retries"] < 0:
        module.fail_json(msg=f"retries must be 0 or more, got {params['retries']}")
    if not 1 <= params["page_size"] <= MAX_PAGE_SIZE:
        module.fail_json(
            msg=f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {params['page_size']}"
        )


def client_from_module(module, pool_size: int | None = None) -> AirClient:
    """Build the client from the module's connection options, or fail the module clearly.

    The token comes from api_token (or AIR_API_TOKEN through its fallback); when neither is
    set it is read from the NGC CLI config file. Retries are logged with module.log and kept
    in client.retry_log for module_result() to return.
    """
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    _check_connection_params(module)
    params = module.params

    if not (params["api_url"] or "").strip():
        module.fail_json(
            msg="api_url is empty: set api_url or the AIR_API_URL environment variable to the Air "
            "API's URL, or unset both to use the default"
        )
    token = params["api_token"]
    try:
        if token is None:
            token = read_ngc_api_key()
            # Masked like api_token itself, should anything ever echo it.
            module.no_log_values.add(token)
        elif not token.strip():
            module.fail_json(
                msg="api_token is empty: set api_token or the AIR_API_TOKEN environment "
                "variable to an NGC API key, or unset both to use the key in ~/.ngc/config"
            )
        extra = {"pool_size": pool_size} if pool_size else {}
        return AirClient(
            params["api_url"],
            token,
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            connect_timeout=params["connect_timeout"],
            read_timeout=params["timeout"],
            retries=params["retries"],
            retry_max_delay=params["retry_max_delay"],
            page_size=params["page_size"],
            log=module.log,
            warn=module.warn,
            **extra,
        )
    except AirError as err:
        fail_from_error(module, err)


def module_result(client: AirClient | None, result: dict) -> dict:
    """Add the retry lines (if any happened) to a result under RETRIES_KEY."""
    if client is not None and client.retry_log:
        result[RETRIES_KEY] = list(client.retry_log)
    return result


def fail_from_error(module, err: AirError, client: AirClient | None = None, **extra) -> None:
    """Fail the task with the error's one-line message and its structured form, no traceback."""
    module.fail_json(msg=str(err), failure=err.to_dict(), **module_result(client, extra))
