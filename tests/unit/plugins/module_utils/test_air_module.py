# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options, the client built from them, and failure payloads."""

from __future__ import annotations

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nvair.air.plugins.module_utils.air_client import AirError
from ansible_collections.nvair.air.plugins.module_utils.air_module import (
    client_from_module,
    connection_argument_spec,
    fail_from_error,
    module_result,
)
from ansible_collections.nvair.air.tests.unit.plugins.modules.utils import run_module

CP = "simulations/runs/checkpoints/"


def probe():
    """A minimal module: build the client, make one call, report what it used."""
    module = AnsibleModule(argument_spec=connection_argument_spec(), supports_check_mode=True)
    client = client_from_module(module)
    try:
        client.get(CP + "probe/")
    except AirError as err:
        fail_from_error(module, err, client, extra_key=1)
    module.exit_json(
        **module_result(
            client,
            {"base_url": client.base_url, "verify": client._verify, "page_size": client.page_size},
        )
    )


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv("AIR_API_TOKEN", raising=False)
    monkeypatch.delenv("AIR_API_URL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def test_argument_spec_defaults_and_env_fallbacks():
    spec = connection_argument_spec()
    assert spec["api_token"]["no_log"] is True
    assert "required" not in spec["api_token"]
    assert {k: v.get("default") for k, v in spec.items()} == {
        "api_url": "https://api.air-ngc.nvidia.com/api/v3",
        "api_token": None,
        "validate_certs": True,
        "ca_path": None,
        "connect_timeout": 16.0,
        "timeout": 61.0,
        "retries": 5,
        "retry_max_delay": 60.0,
        "page_size": 200,
    }


def test_token_and_url_from_environment(mocked, monkeypatch, token):
    monkeypatch.setenv("AIR_API_TOKEN", token)
    monkeypatch.setenv("AIR_API_URL", "https://env.test")
    mocked.get(f"https://env.test/api/v3/{CP}probe/", json={})

    kind, result, warnings = run_module(probe, {})

    assert kind == "exit"
    assert result == {
        "changed": False,
        "base_url": "https://env.test/api/v3",
        "verify": True,
        "page_size": 200,
    }
    assert mocked.calls[0].request.headers["Authorization"] == f"Bearer {token}"
    assert warnings == []


def test_parameter_wins_over_environment(mocked, monkeypatch):
    monkeypatch.setenv("AIR_API_TOKEN", "nvapi-from-env")
    mocked.get(f"https://param.test/api/v3/{CP}probe/", json={})

    kind, _result, _warnings = run_module(
        probe, {"api_url": "https://param.test/", "api_token": "nvapi-from-param"}
    )

    assert kind == "exit"
    assert mocked.calls[0].request.headers["Authorization"] == "Bearer nvapi-from-param"


def test_token_from_ngc_config_when_nothing_else_is_set(mocked, tmp_path, api):
    (tmp_path / ".ngc").mkdir()
    (tmp_path / ".ngc" / "config").write_text("[CURRENT]\napikey = nvapi-from-ngc\n")
    mocked.get(f"{api}/{CP}probe/", json={})

    kind, _result, _warnings = run_module(probe, {"api_url": api})

    assert kind == "exit"
    assert mocked.calls[0].request.headers["Authorization"] == "Bearer nvapi-from-ngc"


def test_no_token_anywhere_fails_with_the_fix(mocked):
    kind, result, _warnings = run_module(probe, {})

    assert kind == "fail"
    assert result["msg"] == (
        "No Air API token: set api_token (or the AIR_API_TOKEN environment variable), or store "
        "a key with 'ngc config set' in ~/.ngc/config"
    )
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_token_names_both_sources(monkeypatch, blank):
    monkeypatch.setenv("AIR_API_TOKEN", blank)

    kind, result, _warnings = run_module(probe, {})

    assert kind == "fail"
    assert result == {
        "failed": True,
        "msg": "api_token is empty: set api_token or the AIR_API_TOKEN environment variable to "
        "an NGC API key, or unset both to use the key in ~/.ngc/config",
    }


def test_empty_api_url_from_environment_names_both_sources(mocked, monkeypatch, token):
    monkeypatch.setenv("AIR_API_URL", "")

    kind, result, _warnings = run_module(probe, {"api_token": token})

    assert (kind, result) == (
        "fail",
        {
            "failed": True,
            "msg": "api_url is empty: set api_url or the AIR_API_URL environment variable to the "
            "Air API's URL, or unset both to use the default",
        },
    )
    assert len(mocked.calls) == 0


def test_bad_api_url_fails_before_any_request(mocked, token):
    kind, result, _warnings = run_module(probe, {"api_url": "air.example.com", "api_token": token})

    assert kind == "fail"
    assert result["msg"].startswith("api_url 'air.example.com' is not a usable URL")
    assert result["failure"]["status"] is None
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("page_size", 0, "page_size must be between 1 and 1000, got 0"),
        ("page_size", 1001, "page_size must be between 1 and 1000, got 1001"),
        ("timeout", 0, "timeout must be above 0 seconds, got 0"),
        ("connect_timeout", -1, "connect_timeout must be above 0 seconds, got -1"),
        ("retries", -1, "retries must be 0 or more, got -1"),
        ("retry_max_delay", -0.5, "retry_max_delay must be 0 or more seconds, got -0.5"),
    ],
)
def test_connection_numbers_are_checked(mocked, token, option, value, message):
    kind, result, _warnings = run_module(probe, {"api_token": token, option: value})

    assert (kind, result) == ("fail", {"failed": True, "msg": message})


def test_insecure_options_warn(mocked, token):
    mocked.get(f"https://air.test/api/v3/{CP}probe/", json={})

    kind, result, warnings = run_module(
        probe, {"api_url": "https://air.test", "api_token": token, "validate_certs": False}
    )

    assert kind == "exit"
    assert result["verify"] is False
    assert warnings == [
        "validate_certs is false: the Air API's TLS certificate is not checked, so the token "
        "could be sent to an impostor"
    ]


def test_http_error_fails_with_structured_failure_and_retries(mocked, token, api, no_sleep):
    mocked.get(f"{api}/{CP}probe/", status=503)
    mocked.get(f"{api}/{CP}probe/", status=404, json={"detail": "Not found."})

    kind, result, _warnings = run_module(probe, {"api_url": api, "api_token": token})

    message = (
        f"GET {CP}probe/: 404 Not Found (after 1 retry): Not found. Check the checkpoint id "
        "probe: it does not exist or this token cannot see it"
    )
    assert kind == "fail"
    assert result == {
        "failed": True,
        "msg": message,
        "failure": {
            "msg": message,
            "method": "GET",
            "path": f"{CP}probe/",
            "status": 404,
            "detail": "Not found.",
            "field_errors": None,
        },
        "extra_key": 1,
        "api_retries": [result["api_retries"][0]],
    }
    assert result["api_retries"][0].startswith(
        f"GET {CP}probe/: 503 Service Unavailable; retry 1 of 5 in "
    )
    assert token not in repr(result)


def test_retries_are_returned_only_when_they_happened(mocked, token, api, no_sleep):
    mocked.get(f"{api}/{CP}probe/", json={})

    _kind, result, _warnings = run_module(probe, {"api_url": api, "api_token": token})

    assert "api_retries" not in result
