"""The admin API: faults on demand, counters, reset, settings and dataset loading."""

import http.client

import pytest
from conftest import CHECKPOINTS
from harness import EmulatorError

LIST_TEMPLATE = "/api/v3/simulations/runs/checkpoints/"
ITEM_TEMPLATE = "/api/v3/simulations/runs/checkpoints/{id}/"


def some_checkpoint(emu, state="COMPLETE"):
    answer = emu.request("GET", CHECKPOINTS, params={"state": state, "limit": 1})
    return answer.json()["results"][0]


def statuses(emu, count, method="GET", path=CHECKPOINTS):
    return [emu.request(method, path, params={"limit": 1}).status for _n in range(count)]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_status_fault_hits_the_next_k_responses_only(emu, status):
    emu.fault(kind="status", status=status, count=2)

    assert statuses(emu, 3) == [status, status, 200]


def test_429_carries_retry_after_and_a_detail(emu):
    emu.fault(kind="status", status=429, retry_after=7)
    default = emu.fault(kind="status", status=429)

    first = emu.request("GET", CHECKPOINTS)
    second = emu.request("GET", CHECKPOINTS)

    assert first.headers["Retry-After"] == "7" and "detail" in first.json()
    assert second.headers["Retry-After"] == "1" and default["added"]["retry_after"] == 1


def test_503_gets_retry_after_only_when_asked(emu):
    emu.fault(kind="status", status=503)
    emu.fault(kind="status", status=503, retry_after=2)

    assert "Retry-After" not in emu.request("GET", CHECKPOINTS).headers
    assert emu.request("GET", CHECKPOINTS).headers["Retry-After"] == "2"


def test_fault_filtered_by_method_and_path_template(emu):
    item = some_checkpoint(emu)
    emu.fault(kind="status", status=500, method="PATCH", path=ITEM_TEMPLATE, count=1)

    assert emu.request("GET", f"{CHECKPOINTS}{item['id']}/").status == 200
    assert emu.request("PATCH", f"{CHECKPOINTS}{item['id']}/", json_body={}).status == 500
    assert emu.request("PATCH", f"{CHECKPOINTS}{item['id']}/", json_body={}).status == 200


def test_fault_path_prefix_and_exact(emu):
    item = some_checkpoint(emu)
    emu.fault(kind="status", status=502, path=LIST_TEMPLATE, exact=True)
    emu.fault(kind="status", status=504, path="/api/v3/simulations/runs/checkpoints/")

    assert emu.request("GET", f"{CHECKPOINTS}{item['id']}/").status == 504  # prefix
    assert emu.request("GET", CHECKPOINTS).status == 502  # exact template
    assert emu.request("GET", CHECKPOINTS).status == 200


def test_faulted_request_has_no_effect(fresh):
    item = some_checkpoint(fresh)
    fresh.fault(kind="status", status=503, method="DELETE")

    assert fresh.request("DELETE", f"{CHECKPOINTS}{item['id']}/").status == 503
    assert fresh.request("GET", f"{CHECKPOINTS}{item['id']}/").json()["state"] == "COMPLETE"


def test_delay_fault_still_answers(emu):
    emu.fault(kind="delay", delay_ms=50, count=1)

    assert statuses(emu, 2) == [200, 200]
    assert emu.fault(kind="delay", delay_ms=1)["added"]["delay_ms"] == 1


def test_drop_closes_the_connection_without_a_response(emu):
    emu.fault(kind="drop", method="GET", path=LIST_TEMPLATE)

    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        emu.request("GET", CHECKPOINTS)
    assert emu.request("GET", CHECKPOINTS).status == 200


def test_processed_drop_applies_the_delete_but_loses_the_answer(fresh):
    item = some_checkpoint(fresh)
    path = f"{CHECKPOINTS}{item['id']}/"
    fresh.fault(kind="drop", method="DELETE", processed=True)

    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        fresh.request("DELETE", path, json_body={})

    assert fresh.request("GET", path).json()["state"] == "DELETED"
    assert fresh.request("DELETE", path, json_body={}).status == 400


def test_clear_faults(emu):
    emu.fault(kind="status", status=500, count=5)

    emu.clear_faults()

    assert statuses(emu, 1) == [200]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "explode"},
        {"kind": "status", "status": 404},
        {"kind": "status"},
        {"kind": "status", "status": 500, "count": 0},
        {"kind": "status", "status": 500, "count": "2"},
        {"kind": "delay"},
        {"kind": "delay", "delay_ms": -1},
        {"kind": "status", "status": 500, "method": 5},
        {"kind": "delay", "delay_ms": 10**12},
        {"kind": "status", "status": 429, "retry_after": 10**9},
    ],
)
def test_invalid_fault_bodies_are_400(emu, body):
    answer = emu.request("POST", "/_emulator/faults", json_body=body)

    assert answer.status == 400 and "detail" in answer.json()
    assert emu.admin("GET", "faults") == {"faults": []}


def test_counters_by_route_template_and_total_without_admin_calls(emu):
    item = some_checkpoint(emu)
    emu.reset()

    emu.request("GET", f"{CHECKPOINTS}{item['id']}/")
    emu.request("GET", f"{CHECKPOINTS}{item['id']}")
    emu.request("PATCH", f"{CHECKPOINTS}{item['id']}/", json_body={})
    emu.request("GET", CHECKPOINTS)
    emu.fault(kind="status", status=503)
    emu.request("GET", "simulations/")
    emu.settings()

    counters = emu.counters()
    assert counters["by_route"] == {
        f"GET {ITEM_TEMPLATE}": 2,
        f"PATCH {ITEM_TEMPLATE}": 1,
        f"GET {LIST_TEMPLATE}": 1,
        "GET /api/v3/simulations/": 1,
    }
    assert counters["total"] == 5
    assert counters["by_status"] == {"200": 4, "503": 1}
    assert counters["internal_errors"] == 0


def test_reset_can_keep_counters_or_faults(emu):
    emu.request("GET", CHECKPOINTS)
    emu.fault(kind="status", status=500)

    emu.reset(counters=False, faults=True)
    assert emu.counters()["total"] == 1
    emu.fault(kind="status", status=500)
    emu.reset(counters=True, faults=False)

    assert emu.counters()["total"] == 0
    assert statuses(emu, 1) == [500]


def test_settings_change_at_run_time_and_reject_bad_values(emu):
    changed = emu.settings(latency_ms=5, complete_after=0.5, auto_delete_limit=4)

    assert changed["latency_ms"] == 5 and changed["complete_after"] == 0.5
    assert statuses(emu, 1) == [200]
    bad = ({"latency_ms": -1}, {"latency_ms": 10**12}, {"complete_after": "x"}, {"nonsense": 1})
    for body in bad:
        assert emu.request("PUT", "/_emulator/settings", json_body=body).status == 400


def test_dataset_load_generate_and_data(custom):
    generated = custom.load(generate={"simulations": 3, "checkpoints": 30, "states": "complete"})
    assert generated["loaded"]["checkpoints"] == 30
    states = {i["state"] for i in custom.request("GET", CHECKPOINTS).json()["results"]}
    assert states == {"COMPLETE"}

    custom.load("empty")
    assert custom.request("GET", CHECKPOINTS).json()["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"dataset": "nope"},
        {"generate": {"simulations": -1}},
        {"generate": {"bogus": 1}},
        {"generate": {"checkpoints": 10**9}},
        {"generate": {"states": "weird"}},
        {"data": {"simulations": [{"id": "not-a-uuid"}]}},
        {"data": {"checkpoints": [{"id": "00000000-0000-4000-8000-000000000001"}]}},
        {"data": []},
        {"dataset": "demo", "data": {}},
    ],
)
def test_bad_dataset_requests_are_400_and_keep_the_data(emu, body):
    before = emu.request("GET", CHECKPOINTS, params={"limit": 1}).json()["count"]

    with pytest.raises(EmulatorError, match="400"):
        emu.admin("POST", "dataset", body)

    assert emu.request("GET", CHECKPOINTS, params={"limit": 1}).json()["count"] == before


def test_admin_rejects_malformed_json_and_unknown_paths(emu):
    assert emu.request("POST", "/_emulator/faults", body=b"{oops").status == 400
    assert emu.request("POST", "/_emulator/faults", body=b"[1]").status == 400
    assert emu.request("GET", "/_emulator/nothing").status == 404
