"""Authentication (§8.2): a missing or wrong bearer token is 403 with a detail, everywhere."""

import pytest
from conftest import CHECKPOINTS
from harness import EmulatorProcess

SOME_ID = "00000000-0000-4000-8000-000000000000"
API_CALLS = [
    ("GET", CHECKPOINTS),
    ("GET", f"{CHECKPOINTS}{SOME_ID}/"),
    ("PATCH", f"{CHECKPOINTS}{SOME_ID}/"),
    ("DELETE", f"{CHECKPOINTS}{SOME_ID}/"),
    ("GET", "simulations/runs/"),
    ("GET", f"simulations/runs/{SOME_ID}/"),
    ("PATCH", f"simulations/runs/{SOME_ID}/"),
    ("GET", "simulations/"),
    ("GET", f"simulations/{SOME_ID}/"),
    ("PATCH", f"simulations/{SOME_ID}/shutdown/"),
    ("PATCH", f"simulations/{SOME_ID}/start/"),
    ("PATCH", f"simulations/{SOME_ID}/rebuild/"),
    ("POST", "simulations/clone/"),
    ("GET", "no/such/path/"),
]
ADMIN_CALLS = [
    ("POST", "/_emulator/faults"),
    ("DELETE", "/_emulator/faults"),
    ("GET", "/_emulator/counters"),
    ("POST", "/_emulator/reset"),
    ("POST", "/_emulator/dataset"),
    ("PUT", "/_emulator/settings"),
]
BAD_TOKENS = [None, "wrong-token", ""]


@pytest.mark.parametrize(("method", "path"), API_CALLS + ADMIN_CALLS)
@pytest.mark.parametrize("token", BAD_TOKENS)
def test_missing_or_wrong_token_is_403_detail(emu, method, path, token):
    answer = emu.request(method, path, token=token, json_body={"dataset": "empty"})

    assert answer.status == 403
    assert set(answer.json()) == {"detail"}


@pytest.mark.parametrize(
    "header", ["Token {token}", "Basic {token}", "Bearer", "Bearer {token}x", "{token}"]
)
def test_only_a_bearer_token_is_accepted(emu, header):
    headers = {"Authorization": header.format(token=emu.token)}

    answer = emu.request("GET", CHECKPOINTS, token=None, headers=headers)

    assert answer.status == 403


def test_scheme_is_case_insensitive(emu):
    headers = {"Authorization": f"bearer {emu.token}"}

    assert emu.request("GET", CHECKPOINTS, token=None, headers=headers).status == 200


def test_refused_requests_change_nothing(fresh):
    item = fresh.request("GET", CHECKPOINTS, params={"state": "COMPLETE", "limit": 1})
    item = item.json()["results"][0]
    path = f"{CHECKPOINTS}{item['id']}/"

    fresh.request("PATCH", path, token="wrong", json_body={"name": "hacked"})
    fresh.request("DELETE", path, token="wrong")

    assert fresh.request("GET", path).json() == item


def test_health_needs_no_token(emu):
    assert emu.health() == {"ok": True}


def test_token_never_appears_in_output_or_request_log(tmp_path):
    log = tmp_path / "requests.log"
    token = "secret-token-do-not-print"
    with EmulatorProcess(dataset="empty", token=token, log=log) as emu:
        emu.request("GET", CHECKPOINTS)
        emu.request("GET", CHECKPOINTS, token="wrong")
        emu.request("GET", CHECKPOINTS, params={"limit": "0"})
        emu.counters()
        stderr = emu.stderr_text()

    text = log.read_text()
    assert "GET /api/v3/simulations/runs/checkpoints/ 200" in text
    assert "GET /api/v3/simulations/runs/checkpoints/ 403" in text
    assert token not in text and token not in stderr and token not in repr(emu)


def test_token_that_looks_like_an_option_is_accepted():
    # token_urlsafe() output starts with "-" now and then; it must never be read as an option.
    with EmulatorProcess(dataset="empty", token="-starts-like-an-option-0123456789") as emu:
        assert emu.request("GET", CHECKPOINTS).status == 200


def test_token_on_the_command_line_still_works(tmp_path):
    token = "-command-line-token-0123456789"
    with EmulatorProcess(dataset="empty", extra_args=[f"--token={token}"], token="unused") as emu:
        assert emu.request("GET", CHECKPOINTS, token=token).status == 200
