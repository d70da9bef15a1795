# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""air_checkpoint's exact exit_json/fail_json payloads, against a mocked Air API."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.nvair.air.plugins.module_utils import checkpoint_actions as actions
from ansible_collections.nvair.air.plugins.modules import air_checkpoint
from ansible_collections.nvair.air.tests.unit.plugins.modules.utils import run_module

BASE = "http://127.0.0.1:9/api/v3"
TOKEN = "nvapi-module-test-secret-42"
LIST_URL = f"{BASE}/simulations/runs/checkpoints/"
SIM_URL = f"{BASE}/simulations/"
SIM = "11111111-1111-4111-8111-111111111111"
RUN = "22222222-2222-4222-8222-222222222222"
RUN_URL = f"{BASE}/simulations/runs/{RUN}/"
CP1 = "aaaaaaaa-0000-4000-8000-000000000001"
CP2 = "aaaaaaaa-0000-4000-8000-000000000002"
CP3 = "aaaaaaaa-0000-4000-8000-000000000003"
NOT_CREATABLE = "the API cannot create checkpoints (they come from shutting a simulation down)"
NO_DIFF = {"before": {}, "after": {}}


def cp_url(cid):
    return f"{LIST_URL}{cid}/"


def checkpoint(cid=CP1, **fields):
    raw = {
        "id": cid,
        "name": "nightly",
        "favorite": False,
        "run": RUN,
        "state": "COMPLETE",
        "metadata": {},
        "created": "2026-03-11T18:36:14.123456Z",
        "modified": "2026-03-11T18:40:02.000001Z",
    }
    raw.update(fields)
    return raw


def shaped(raw):
    return {**raw, "simulation": SIM}


def page(*items):
    return {"count": len(items), "next": None, "previous": None, "results": list(items)}


def run(args, check_mode=False, diff=False):
    full = {"api_url": BASE, "api_token": TOKEN, "retries": 0, **args}
    if check_mode:
        full["_ansible_check_mode"] = True
    if diff:
        full["_ansible_diff"] = True
    kind, payload, _warnings = run_module(air_checkpoint.main, full)
    assert TOKEN not in json.dumps(payload)
    return kind, payload


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(actions.time, "sleep", slept.append)
    return slept


def writes(http):
    return [
        (c.request.method, c.request.url, c.request.body)
        for c in http.calls
        if c.request.method != "GET"
    ]


def patch_body(http):
    (patch,) = [c for c in http.calls if c.request.method == "PATCH"]
    return json.loads(patch.request.body)


# --- present, single form ----------------------------------------------------------------


def test_rename_by_id(http):
    http.get(cp_url(CP1), json=checkpoint(name="old"))
    answer = checkpoint(name="new", modified="2026-03-12T00:00:00.000000Z")
    http.patch(cp_url(CP1), json=answer)
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "name": "new"})

    assert (kind, payload) == (
        "exit",
        {
            "changed": True,
            "msg": "updated name",
            "checkpoint": shaped(answer),
            "diff": {"before": {"name": "old"}, "after": {"name": "new"}},
        },
    )
    assert patch_body(http) == {"name": "new"}


def test_rename_in_check_mode_predicts_without_patching(http):
    http.get(cp_url(CP1), json=checkpoint(name="old"))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "name": "new"}, check_mode=True)

    assert (kind, payload) == (
        "exit",
        {
            "changed": True,
            "msg": "would update name",
            "checkpoint": shaped(checkpoint(name="new")),
            "diff": {"before": {"name": "old"}, "after": {"name": "new"}},
        },
    )
    assert writes(http) == []


def test_a_second_run_reports_no_change(http):
    http.get(cp_url(CP1), json=checkpoint(name="new", favorite=True))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "name": "new", "favorite": True})

    assert (kind, payload) == (
        "exit",
        {
            "changed": False,
            "msg": f"checkpoint {CP1} is already as requested",
            "checkpoint": shaped(checkpoint(name="new", favorite=True)),
            "diff": NO_DIFF,
        },
    )
    assert writes(http) == []


@pytest.mark.parametrize("value", [True, "yes", "Yes", "1", 1, "True", "true", "on", "y"])
def test_truthy_favorite_values_mean_true(http, value):
    http.get(cp_url(CP1), json=checkpoint(favorite=False))
    http.patch(cp_url(CP1), json=checkpoint(favorite=True))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "favorite": value})

    assert kind == "exit"
    assert patch_body(http) == {"favorite": True}
    assert payload["diff"] == {"before": {"favorite": False}, "after": {"favorite": True}}


@pytest.mark.parametrize("value", [False, "no", "No", "0", 0, "False", "false", "off", "n"])
def test_falsy_favorite_values_mean_false(http, value):
    http.get(cp_url(CP1), json=checkpoint(favorite=True))
    http.patch(cp_url(CP1), json=checkpoint(favorite=False))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "favorite": value})

    assert kind == "exit"
    assert patch_body(http) == {"favorite": False}
    assert payload["diff"] == {"before": {"favorite": True}, "after": {"favorite": False}}


def test_a_favorite_that_is_not_a_boolean_fails_before_any_request(http):
    kind, payload = run({"id": CP1, "favorite": "maybe"})

    assert kind == "fail"
    assert "favorite" in payload["msg"]
    assert "bool" in payload["msg"]
    assert len(http.calls) == 0


@pytest.mark.parametrize(
    "name",
    ["x" * 128, "Pr\u00fcfpunkt \u68c0\u67e5\u70b9 \U0001f680" + "\u00e9" * 110, "a  b ", ""],
)
def test_unicode_empty_and_128_character_names_are_sent_exactly(http, name):
    assert len(name) <= 128
    http.get(cp_url(CP1), json=checkpoint(name="old"))
    http.patch(cp_url(CP1), json=checkpoint(name=name))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "name": name})

    assert kind == "exit"
    assert patch_body(http) == {"name": name}
    assert payload["checkpoint"]["name"] == name


def test_a_129_character_name_fails_before_any_request(http):
    name = "\u68c0" * 129

    kind, payload = run({"id": CP1, "name": name})

    assert (kind, payload) == (
        "fail",
        {
            "failed": True,
            "msg": "name is 129 characters long; the API allows at most 128: "
            + repr("\u68c0" * 40)
            + "...",
        },
    )
    assert len(http.calls) == 0


def test_present_on_a_missing_id_fails_saying_checkpoints_cannot_be_created(http):
    http.get(cp_url(CP1), status=404, json={"detail": "Not found."})

    kind, payload = run({"id": CP1, "favorite": True})

    assert (kind, payload) == (
        "fail",
        {
            "failed": True,
            "changed": False,
            "msg": f"checkpoint {CP1} was not found; {NOT_CREATABLE}",
            "checkpoint": {},
            "diff": NO_DIFF,
        },
    )


def test_an_id_that_is_not_a_uuid_fails_before_any_request(http):
    kind, payload = run({"id": "nightly", "state": "absent"})

    assert (kind, payload) == (
        "fail",
        {"failed": True, "msg": "id must be a checkpoint id (UUID), got 'nightly'"},
    )
    assert len(http.calls) == 0


# --- present by simulation and name --------------------------------------------------------


def test_favorite_by_simulation_name_and_checkpoint_name(http):
    http.get(SIM_URL, json=page({"id": SIM, "name": "lab-1"}, {"id": "x", "name": "lab-10"}))
    http.get(LIST_URL, json=page(checkpoint(CP1, name="nightly"), checkpoint(CP2, name="other")))
    http.patch(cp_url(CP1), json=checkpoint(CP1, favorite=True))

    kind, payload = run({"simulation": "lab-1", "name": "nightly", "favorite": "yes"})

    assert (kind, payload) == (
        "exit",
        {
            "changed": True,
            "msg": "updated favorite",
            "checkpoint": shaped(checkpoint(CP1, favorite=True)),
            "diff": {"before": {"favorite": False}, "after": {"favorite": True}},
        },
    )
    assert http.calls[1].request.params["simulation"] == SIM
    assert patch_body(http) == {"favorite": True}


def test_duplicate_names_fail_listing_ids_and_created_times(http):
    http.get(
        LIST_URL,
        json=page(
            checkpoint(CP1, created="2026-03-01T00:00:00Z"),
            checkpoint(CP2, created="2026-03-02T00:00:00Z"),
            checkpoint(CP3, state="DELETED"),
        ),
    )

    kind, payload = run({"simulation": SIM, "name": "nightly", "favorite": True})

    assert (kind, payload) == (
        "fail",
        {
            "failed": True,
            "changed": False,
            "msg": f"2 checkpoints of simulation {SIM} are named 'nightly': {CP1} (created "
            f"2026-03-01T00:00:00Z), {CP2} (created 2026-03-02T00:00:00Z); set id to choose one",
            "checkpoint": {},
            "diff": NO_DIFF,
        },
    )
    assert writes(http) == []


def test_a_name_held_only_by_deleted_checkpoints_is_not_found_for_present(http):
    http.get(LIST_URL, json=page(checkpoint(CP1, state="DELETED")))

    kind, payload = run({"simulation": SIM, "name": "nightly", "favorite": True})

    assert kind == "fail"
    assert payload["msg"] == (
        f"simulation {SIM} has no checkpoint named 'nightly' (only 1 DELETED); {NOT_CREATABLE}"
    )


# --- absent --------------------------------------------------------------------------------


def test_delete_a_complete_checkpoint(http):
    http.get(cp_url(CP1), json=checkpoint())
    http.delete(cp_url(CP1), status=204)
    deleted = checkpoint(state="DELETED", modified="2026-03-12T00:00:00.000000Z")
    http.get(cp_url(CP1), json=deleted)
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "state": "absent"})

    assert (kind, payload) == (
        "exit",
        {
            "changed": True,
            "msg": f"deleted checkpoint {CP1}",
            "checkpoint": shaped(deleted),
            "diff": {"before": {"state": "COMPLETE"}, "after": {"state": "DELETED"}},
        },
    )


def test_delete_in_check_mode_sends_no_delete(http):
    http.get(cp_url(CP1), json=checkpoint())
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "state": "absent"}, check_mode=True)

    assert kind == "exit"
    assert payload["changed"] is True
    assert payload["msg"] == f"would delete checkpoint {CP1}"
    assert payload["checkpoint"]["state"] == "DELETED"
    assert writes(http) == []


def test_delete_of_an_already_deleted_checkpoint_changes_nothing(http):
    http.get(cp_url(CP1), json=checkpoint(state="DELETED"))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "state": "absent"})

    assert (kind, payload) == (
        "exit",
        {
            "changed": False,
            "msg": f"checkpoint {CP1} is already DELETED",
            "checkpoint": shaped(checkpoint(state="DELETED")),
            "diff": NO_DIFF,
        },
    )
    assert writes(http) == []


def test_delete_of_a_made_up_id_changes_nothing(http):
    http.get(cp_url(CP1), status=404, json={"detail": "Not found."})

    kind, payload = run({"id": CP1, "state": "absent"})

    assert (kind, payload) == (
        "exit",
        {
            "changed": False,
            "msg": f"checkpoint {CP1} was not found; nothing to delete",
            "checkpoint": {},
            "diff": NO_DIFF,
        },
    )


def test_delete_of_a_pending_checkpoint_without_wait_fails(http):
    http.get(cp_url(CP1), json=checkpoint(state="PENDING"))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "state": "absent"})

    assert (kind, payload) == (
        "fail",
        {
            "failed": True,
            "changed": False,
            "msg": f"checkpoint {CP1} is PENDING (still being saved) and only COMPLETE "
            "checkpoints can be deleted; set wait: true to wait for it to become COMPLETE",
            "checkpoint": shaped(checkpoint(state="PENDING")),
            "diff": NO_DIFF,
        },
    )
    assert writes(http) == []


def test_delete_of_a_pending_checkpoint_with_wait(http, no_sleep):
    http.get(cp_url(CP1), json=checkpoint(state="PENDING"))
    http.get(cp_url(CP1), json=checkpoint(state="PENDING"))
    http.get(cp_url(CP1), json=checkpoint(state="COMPLETE"))
    http.delete(cp_url(CP1), status=204)
    http.get(cp_url(CP1), json=checkpoint(state="DELETED"))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "state": "absent", "wait": True})

    assert kind == "exit"
    assert payload["changed"] is True
    assert payload["diff"] == {"before": {"state": "COMPLETE"}, "after": {"state": "DELETED"}}
    assert no_sleep == [2.0, 4.0]
    assert [w[0] for w in writes(http)] == ["DELETE"]


def test_a_favorite_is_not_deleted_without_force(http):
    http.get(cp_url(CP1), json=checkpoint(favorite=True))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "state": "absent"})

    assert kind == "fail"
    assert payload["msg"] == f"checkpoint {CP1} is a favorite; set force: true to delete favorites"
    assert writes(http) == []


def test_a_favorite_is_deleted_with_force(http):
    http.get(cp_url(CP1), json=checkpoint(favorite=True))
    http.delete(cp_url(CP1), status=204)
    http.get(cp_url(CP1), json=checkpoint(favorite=True, state="DELETED"))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "state": "absent", "force": True})

    assert (kind, payload["changed"]) == ("exit", True)


def test_delete_by_a_name_held_only_by_deleted_checkpoints_changes_nothing(http):
    http.get(LIST_URL, json=page(checkpoint(CP1, state="DELETED")))

    kind, payload = run({"simulation": SIM, "name": "nightly", "state": "absent"})

    assert (kind, payload) == (
        "exit",
        {
            "changed": False,
            "msg": f"simulation {SIM} has no checkpoint named 'nightly' (only 1 DELETED); "
            "nothing to delete",
            "checkpoint": {},
            "diff": NO_DIFF,
        },
    )


def test_an_api_error_fails_with_its_structured_form_and_no_token(http):
    http.get(cp_url(CP1), status=403, json={"detail": "Invalid token."})

    kind, payload = run({"id": CP1, "state": "absent"})

    assert kind == "fail"
    assert payload["failure"]["status"] == 403
    assert payload["failure"]["detail"] == "Invalid token."
    assert payload["msg"].startswith(f"GET simulations/runs/checkpoints/{CP1}/: 403")


@pytest.mark.parametrize(
    "args, msg",
    [
        (
            {"id": CP1, "state": "absent", "favorite": False},
            "favorite has no meaning with state=absent; remove it",
        ),
        (
            {"id": CP1, "state": "absent", "name": "x"},
            "name is the new name when id is given; it has no meaning with state=absent",
        ),
        ({"id": CP1, "wait_timeout": -1}, "wait_timeout must be 0 or more seconds, got -1"),
        (
            {"id": CP1, "wait_timeout": True},
            "wait_timeout must be a whole number, got the boolean True",
        ),
        (
            {"checkpoints": [CP1], "state": "absent", "concurrency": True},
            "concurrency must be a whole number, got the boolean True",
        ),
    ],
)
def test_options_that_contradict_each_other_fail_before_any_request(http, args, msg):
    kind, payload = run(args)

    assert (kind, payload) == ("fail", {"failed": True, "msg": msg})
    assert len(http.calls) == 0


@pytest.mark.parametrize(
    "args, words",
    [
        ({"checkpoints": [CP1], "name": "x", "state": "absent"}, "checkpoints|name"),
        ({"id": CP1, "simulation": SIM, "name": "x"}, "id|simulation"),
        ({"simulation": SIM}, "simulation"),
        ({"state": "absent"}, "id, simulation, checkpoints"),
    ],
)
def test_ansible_enforces_which_options_go_together(http, args, words):
    kind, payload = run(args)

    assert kind == "fail"
    assert words in payload["msg"]
    assert len(http.calls) == 0


# --- list form -----------------------------------------------------------------------------


def test_list_form_with_mixed_outcomes_fails_but_returns_every_result(http):
    http.get(cp_url(CP1), json=checkpoint(CP1, name="a"))
    http.delete(cp_url(CP1), status=204)
    http.get(cp_url(CP2), json=checkpoint(CP2, name="b", modified="2026-03-12T09:00:00Z"))
    http.get(cp_url(CP3), json=checkpoint(CP3, name="c", state="PENDING"))
    listed = [
        {"id": CP1, "name": "a", "modified": "2026-03-11T18:40:02.000001Z", "reason": "old"},
        {"id": CP2, "name": "b", "modified": "2026-03-11T18:40:02.000001Z", "reason": "old"},
        CP3,
        CP1,
    ]

    kind, payload = run({"checkpoints": listed, "state": "absent", "concurrency": 2}, diff=True)

    assert (kind, payload) == (
        "fail",
        {
            "failed": True,
            "changed": True,
            "msg": "some checkpoints failed: 1 changed, 0 ok, 1 skipped, 1 failed of 3 checkpoints",
            "results": [
                {"id": CP1, "name": "a", "status": "changed", "msg": f"deleted checkpoint {CP1}"},
                {
                    "id": CP2,
                    "name": "b",
                    "status": "skipped",
                    "msg": "changed since it was listed (modified 2026-03-11T18:40:02.000001Z, "
                    "now 2026-03-12T09:00:00Z)",
                },
                {
                    "id": CP3,
                    "name": "c",
                    "status": "failed",
                    "msg": f"checkpoint {CP3} is PENDING (still being saved) and only COMPLETE "
                    "checkpoints can be deleted; set wait: true to wait for it to become COMPLETE",
                },
            ],
            "summary": {"changed": 1, "ok": 0, "skipped": 1, "failed": 1, "total": 3},
            "diff": {"before": {CP1: {"state": "COMPLETE"}}, "after": {CP1: {"state": "DELETED"}}},
        },
    )
    assert [w[0] for w in writes(http)] == ["DELETE"]


def test_list_form_favorite_in_check_mode_and_idempotent(http):
    http.get(cp_url(CP1), json=checkpoint(CP1, favorite=False))
    http.get(cp_url(CP2), json=checkpoint(CP2, favorite=True))

    kind, payload = run({"checkpoints": [CP1, CP2], "favorite": "true"}, check_mode=True)

    assert (kind, payload) == (
        "exit",
        {
            "changed": True,
            "msg": "1 changed, 1 ok, 0 skipped, 0 failed of 2 checkpoints",
            "results": [
                {"id": CP1, "name": "nightly", "status": "changed", "msg": "would update favorite"},
                {
                    "id": CP2,
                    "name": "nightly",
                    "status": "ok",
                    "msg": f"checkpoint {CP2} is already as requested",
                },
            ],
            "summary": {"changed": 1, "ok": 1, "skipped": 0, "failed": 0, "total": 2},
            # No diff without diff mode: results already say what changes.
        },
    )
    assert writes(http) == []


def test_an_empty_list_changes_nothing(http):
    kind, payload = run({"checkpoints": [], "state": "absent"})

    assert (kind, payload["changed"], payload["summary"]["total"]) == ("exit", False, 0)
    assert len(http.calls) == 0


def test_list_form_validates_every_item_before_any_request(http):
    kind, payload = run({"checkpoints": [CP1, "nightly", {"id": CP2}, {}], "state": "absent"})

    assert (kind, payload) == (
        "fail",
        {
            "failed": True,
            "msg": "checkpoints[1] is not a checkpoint id (UUID): 'nightly'; checkpoints[3] is "
            "not a checkpoint id (UUID): None",
        },
    )
    assert len(http.calls) == 0


@pytest.mark.parametrize(
    "args",
    [
        {"id": CP1, "state": "absent", "concurrency": 0},
        {"simulation": SIM, "name": "nightly", "favorite": True, "concurrency": 33},
    ],
)
def test_concurrency_is_range_checked_in_the_single_form_too(http, args):
    bad = args["concurrency"]
    assert run(args) == ("fail", {"failed": True, "msg": f"concurrency must be 1 to 32, got {bad}"})
    assert len(http.calls) == 0


def test_list_form_shows_the_first_ten_problems_only(http):
    kind, payload = run({"checkpoints": [str(n) for n in range(25)], "state": "absent"})

    assert kind == "fail"
    assert payload["msg"].count("is not a checkpoint id") == 10
    assert payload["msg"].endswith("; and 15 more problems")


@pytest.mark.parametrize(
    "args, msg",
    [
        (
            {"checkpoints": [CP1]},
            "with checkpoints and state=present, set favorite (the only change a list can make)",
        ),
        (
            {"checkpoints": [CP1], "state": "absent", "concurrency": 33},
            "concurrency must be 1 to 32, got 33",
        ),
        (
            {"checkpoints": [CP1], "state": "absent", "concurrency": 0},
            "concurrency must be 1 to 32, got 0",
        ),
    ],
)
def test_list_form_option_problems(http, args, msg):
    assert run(args) == ("fail", {"failed": True, "msg": msg})
    assert len(http.calls) == 0


def test_retried_requests_are_listed_in_api_retries(http, no_sleep):
    http.get(cp_url(CP1), json=checkpoint())
    http.delete(cp_url(CP1), status=503, json={"detail": "Try later."})
    http.delete(cp_url(CP1), status=204)
    http.get(cp_url(CP1), json=checkpoint(state="DELETED"))
    http.get(RUN_URL, json={"id": RUN, "simulation": SIM})

    kind, payload = run({"id": CP1, "state": "absent", "retries": 2})

    assert (kind, payload["changed"]) == ("exit", True)
    (line,) = payload["api_retries"]
    assert line.startswith(f"DELETE simulations/runs/checkpoints/{CP1}/: 503")
    assert len(no_sleep) == 1
