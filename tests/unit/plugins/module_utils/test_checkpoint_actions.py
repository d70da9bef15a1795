# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What air_checkpoint does to checkpoints, against a mocked Air API (responses)."""

from __future__ import annotations

import json
import re
import threading

import pytest
import requests
import responses

from ansible_collections.nvair.air.plugins.module_utils import checkpoint_actions as actions
from ansible_collections.nvair.air.plugins.module_utils.air_client import AirClient, AirError

BASE = "http://127.0.0.1:9/api/v3"
LIST_URL = f"{BASE}/simulations/runs/checkpoints/"
SIM = "11111111-1111-4111-8111-111111111111"
RUN = "22222222-2222-4222-8222-222222222222"
CP1 = "aaaaaaaa-0000-4000-8000-000000000001"
CP2 = "aaaaaaaa-0000-4000-8000-000000000002"
CP3 = "aaaaaaaa-0000-4000-8000-000000000003"
CP4 = "aaaaaaaa-0000-4000-8000-000000000004"
CP5 = "aaaaaaaa-0000-4000-8000-000000000005"
CP6 = "aaaaaaaa-0000-4000-8000-000000000006"
CP7 = "aaaaaaaa-0000-4000-8000-000000000007"
PENDING_MSG = (
    f"checkpoint {CP1} is PENDING (still being saved) and only COMPLETE checkpoints can be "
    "deleted; set wait: true to wait for it to become COMPLETE"
)


def cp_url(cid):
    return f"{LIST_URL}{cid}/"


def checkpoint(cid=CP1, **fields):
    raw = {
        "id": cid,
        "name": "Checkpoint 2026-03-11 18:36:14",
        "favorite": False,
        "run": RUN,
        "state": "COMPLETE",
        "metadata": {},
        "created": "2026-03-11T18:36:14.123456Z",
        "modified": "2026-03-11T18:40:02.000001Z",
    }
    raw.update(fields)
    return raw


def page(*items):
    return {"count": len(items), "next": None, "previous": None, "results": list(items)}


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def client():
    air = AirClient(BASE, "secret-token", retries=2)
    air._sleep = lambda seconds: None
    yield air
    air.close()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def waiter(fake_time):
    return actions.Waiter(sleep=fake_time.sleep, clock=fake_time.clock)


def writes(http):
    return [(c.request.method, c.request.url) for c in http.calls if c.request.method != "GET"]


def valid_items(raw_items):
    items, problems = actions.parse_items(raw_items)
    assert problems == []
    return items


def body_of(call):
    return json.loads(call.request.body)


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "x" * 128, "\u00e9" * 128, "\U0001f680" * 128])
def test_names_up_to_128_characters_are_accepted(name):
    assert actions.name_problem(name) is None


def test_a_129_character_name_is_refused_with_its_length():
    assert actions.name_problem("\u00e9" * 129) == (
        "name is 129 characters long; the API allows at most 128: " + repr("\u00e9" * 40) + "..."
    )


# --- present -------------------------------------------------------------------------------


def test_rename_sends_one_patch_with_only_the_name_and_returns_the_server_answer(
    http, client, waiter
):
    current = checkpoint(name="old", favorite=True)
    answer = checkpoint(name="new", favorite=True, modified="2026-03-12T00:00:00.000000Z")
    http.patch(cp_url(CP1), json=answer)

    outcome = actions.ensure_present(
        client, current, actions.Desired(name="new", favorite=True), waiter
    )

    assert body_of(http.calls[0]) == {"name": "new"}
    assert outcome == actions.Outcome(
        "changed", "updated name", answer, {"name": "old"}, {"name": "new"}
    )


def test_name_and_favorite_together_go_in_a_single_patch(http, client, waiter):
    http.patch(cp_url(CP1), json=checkpoint(name="n", favorite=True))

    outcome = actions.ensure_present(
        client, checkpoint(), actions.Desired(name="n", favorite=True), waiter
    )

    assert len(http.calls) == 1
    assert body_of(http.calls[0]) == {"name": "n", "favorite": True}
    assert outcome.msg == "updated name and favorite"
    assert outcome.before == {"name": "Checkpoint 2026-03-11 18:36:14", "favorite": False}
    assert outcome.after == {"name": "n", "favorite": True}


@pytest.mark.parametrize(
    "desired",
    [
        actions.Desired(),
        actions.Desired(favorite=False),
        actions.Desired(name="Checkpoint 2026-03-11 18:36:14"),
    ],
)
def test_present_makes_no_request_when_nothing_differs(http, client, waiter, desired):
    current = checkpoint()

    outcome = actions.ensure_present(client, current, desired, waiter)

    assert outcome == actions.Outcome("ok", f"checkpoint {CP1} is already as requested", current)
    assert len(http.calls) == 0


@pytest.mark.parametrize(
    "name", [" Checkpoint 2026-03-11 18:36:14", "checkpoint 2026-03-11 18:36:14"]
)
def test_names_compare_exactly_without_trimming_or_case_folding(client, waiter, name):
    body = actions.update_body(checkpoint(), actions.Desired(name=name))
    assert body == {"name": name}


def test_a_unicode_name_differing_only_in_normalisation_is_a_change():
    composed, decomposed = "Caf\u00e9", "Cafe\u0301"
    body = actions.update_body(checkpoint(name=composed), actions.Desired(name=decomposed))
    assert body == {"name": decomposed}


def test_check_mode_predicts_the_patch_without_sending_it(http, client, waiter):
    current = checkpoint()

    outcome = actions.ensure_present(
        client, current, actions.Desired(favorite=True, check_mode=True), waiter
    )

    assert len(http.calls) == 0
    assert outcome == actions.Outcome(
        "changed",
        "would update favorite",
        {**current, "favorite": True},
        {"favorite": False},
        {"favorite": True},
    )


def test_present_on_a_deleted_checkpoint_fails_because_it_cannot_be_created(http, client, waiter):
    current = checkpoint(state="DELETED")

    outcome = actions.ensure_present(client, current, actions.Desired(favorite=True), waiter)

    assert outcome == actions.Outcome(
        "failed",
        f"checkpoint {CP1} is DELETED; the API cannot create checkpoints (they come from "
        "shutting a simulation down)",
        current,
    )
    assert len(http.calls) == 0


def test_present_with_wait_waits_for_complete_before_patching(http, client, waiter, fake_time):
    http.get(cp_url(CP1), json=checkpoint(state="PENDING"))
    http.get(cp_url(CP1), json=checkpoint(state="COMPLETE"))
    http.patch(cp_url(CP1), json=checkpoint(favorite=True))

    outcome = actions.ensure_present(
        client, checkpoint(state="PENDING"), actions.Desired(favorite=True, wait=True), waiter
    )

    assert [c.request.method for c in http.calls] == ["GET", "GET", "PATCH"]
    assert fake_time.sleeps == [2.0, 4.0]
    assert outcome.status == "changed"


def test_present_without_wait_patches_a_pending_checkpoint_directly(http, client, waiter):
    http.patch(cp_url(CP1), json=checkpoint(state="PENDING", favorite=True))

    outcome = actions.ensure_present(
        client, checkpoint(state="PENDING"), actions.Desired(favorite=True), waiter
    )

    assert outcome.status == "changed"
    assert len(http.calls) == 1


# --- absent -----------------------------------------------------------------------------


def test_absent_deletes_a_complete_checkpoint_and_rereads_it(http, client, waiter):
    http.delete(cp_url(CP1), status=204)
    deleted = checkpoint(state="DELETED", modified="2026-03-12T00:00:00.000000Z")
    http.get(cp_url(CP1), json=deleted)

    outcome = actions.ensure_absent(client, checkpoint(), actions.Desired(state="absent"), waiter)

    assert outcome == actions.Outcome(
        "changed",
        f"deleted checkpoint {CP1}",
        deleted,
        {"state": "COMPLETE"},
        {"state": "DELETED"},
    )


def test_absent_in_check_mode_sends_nothing(http, client, waiter):
    outcome = actions.ensure_absent(
        client, checkpoint(), actions.Desired(state="absent", check_mode=True), waiter
    )

    assert len(http.calls) == 0
    assert outcome == actions.Outcome(
        "changed",
        f"would delete checkpoint {CP1}",
        checkpoint(state="DELETED"),
        {"state": "COMPLETE"},
        {"state": "DELETED"},
    )


def test_an_already_deleted_checkpoint_is_left_alone(http, client, waiter):
    current = checkpoint(state="DELETED")

    outcome = actions.ensure_absent(client, current, actions.Desired(state="absent"), waiter)

    assert outcome == actions.Outcome("ok", f"checkpoint {CP1} is already DELETED", current)
    assert len(http.calls) == 0


def test_a_missing_checkpoint_is_already_absent(client, waiter):
    outcome = actions.ensure_absent(client, None, actions.Desired(state="absent"), waiter)
    assert outcome == actions.Outcome("ok", "not found; nothing to delete")


def test_a_favorite_is_refused_without_force(http, client, waiter):
    current = checkpoint(favorite=True)

    outcome = actions.ensure_absent(client, current, actions.Desired(state="absent"), waiter)

    assert outcome == actions.Outcome(
        "failed",
        f"checkpoint {CP1} is a favorite; set force: true to delete favorites",
        current,
    )
    assert len(http.calls) == 0


def test_a_favorite_is_deleted_with_force(http, client, waiter):
    http.delete(cp_url(CP1), status=204)
    http.get(cp_url(CP1), json=checkpoint(favorite=True, state="DELETED"))

    outcome = actions.ensure_absent(
        client, checkpoint(favorite=True), actions.Desired(state="absent", force=True), waiter
    )

    assert outcome.status == "changed"


def test_a_pending_checkpoint_fails_without_wait(http, client, waiter):
    current = checkpoint(state="PENDING")

    outcome = actions.ensure_absent(client, current, actions.Desired(state="absent"), waiter)

    assert outcome == actions.Outcome("failed", PENDING_MSG, current)
    assert len(http.calls) == 0


def test_a_pending_checkpoint_is_deleted_once_complete_with_wait(http, client, waiter, fake_time):
    for _poll in range(5):
        http.get(cp_url(CP1), json=checkpoint(state="PENDING"))
    http.get(cp_url(CP1), json=checkpoint(state="COMPLETE"))
    http.delete(cp_url(CP1), status=204)
    http.get(cp_url(CP1), json=checkpoint(state="DELETED"))

    outcome = actions.ensure_absent(
        client, checkpoint(state="PENDING"), actions.Desired(state="absent", wait=True), waiter
    )

    assert fake_time.sleeps == [2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert writes(http) == [("DELETE", cp_url(CP1))]
    assert outcome.status == "changed"
    assert (outcome.before, outcome.after) == ({"state": "COMPLETE"}, {"state": "DELETED"})


def test_wait_in_check_mode_predicts_the_delete_without_waiting(http, client, waiter, fake_time):
    desired = actions.Desired(state="absent", wait=True, check_mode=True)

    outcome = actions.ensure_absent(client, checkpoint(state="PENDING"), desired, waiter)

    assert len(http.calls) == 0
    assert fake_time.sleeps == []
    assert outcome.status == "changed"
    assert outcome.msg == "would wait for it to become COMPLETE, then delete it"
    assert (outcome.before, outcome.after) == ({"state": "PENDING"}, {"state": "DELETED"})


def test_a_wait_that_ends_in_deleted_changes_nothing(http, client, waiter):
    http.get(cp_url(CP1), json=checkpoint(state="DELETED"))

    outcome = actions.ensure_absent(
        client, checkpoint(state="PENDING"), actions.Desired(state="absent", wait=True), waiter
    )

    assert outcome.status == "ok"
    assert writes(http) == []


def test_a_wait_timeout_reports_the_last_seen_checkpoint(http, client, waiter, fake_time):
    last = checkpoint(state="PENDING", modified="2026-03-11T18:41:00.000000Z")
    http.get(cp_url(CP1), json=last)

    with pytest.raises(actions.WaitTimeout) as caught:
        actions.ensure_absent(
            client,
            checkpoint(state="PENDING"),
            actions.Desired(state="absent", wait=True, wait_timeout=25),
            waiter,
        )

    assert str(caught.value) == (
        f"checkpoint {CP1} was still PENDING after waiting 25 seconds (wait_timeout)"
    )
    assert caught.value.checkpoint == last
    # The last sleep is cut to the deadline, so the last poll happens at the deadline.
    assert fake_time.sleeps == [2.0, 4.0, 8.0, 10.0, 1.0]
    assert writes(http) == []


def test_a_lost_delete_answer_retried_into_400_counts_as_deleted(http, client, waiter):
    # The first DELETE reached the server but its answer was lost; the retry meets a DELETED
    # checkpoint and gets the 400 of contract section 8.1.
    http.delete(cp_url(CP1), body=requests.exceptions.ReadTimeout("read timed out"))
    http.delete(
        cp_url(CP1), status=400, json={"detail": "Only COMPLETE checkpoints can be deleted."}
    )
    deleted = checkpoint(state="DELETED")
    http.get(cp_url(CP1), json=deleted)

    outcome = actions.ensure_absent(client, checkpoint(), actions.Desired(state="absent"), waiter)

    assert outcome == actions.Outcome(
        "changed",
        f"deleted checkpoint {CP1}",
        deleted,
        {"state": "COMPLETE"},
        {"state": "DELETED"},
    )


def test_a_400_on_delete_of_a_checkpoint_that_is_still_complete_is_an_error(http, client, waiter):
    http.delete(
        cp_url(CP1), status=400, json={"detail": "Only COMPLETE checkpoints can be deleted."}
    )
    http.get(cp_url(CP1), json=checkpoint())

    with pytest.raises(AirError) as caught:
        actions.ensure_absent(client, checkpoint(), actions.Desired(state="absent"), waiter)

    assert caught.value.status == 400
    assert caught.value.detail == "Only COMPLETE checkpoints can be deleted."


def test_fetch_reads_404_as_missing_and_raises_other_errors(http, client):
    http.get(cp_url(CP1), status=404, json={"detail": "Not found."})
    http.get(cp_url(CP2), status=403, json={"detail": "Forbidden."})

    assert actions.fetch_checkpoint(client, CP1) is None
    with pytest.raises(AirError) as caught:
        actions.fetch_checkpoint(client, CP2)
    assert caught.value.status == 403


# --- finding by name --------------------------------------------------------------------


def test_find_by_name_matches_exactly_and_ignores_deleted(http, client):
    http.get(
        LIST_URL,
        json=page(
            checkpoint(CP1, name="nightly"),
            checkpoint(CP2, name="Nightly"),
            checkpoint(CP3, name="nightly ", state="COMPLETE"),
            checkpoint(CP4, name="nightly", state="DELETED"),
        ),
    )

    found, deleted = actions.find_by_name(client, SIM, "nightly")

    assert (found["id"], deleted) == (CP1, 1)
    query = http.calls[0].request.params
    assert query["simulation"] == SIM


def test_find_by_name_refuses_duplicates_listing_ids_and_created_times(http, client):
    http.get(
        LIST_URL,
        json=page(
            checkpoint(CP1, name="dup", created="2026-03-01T00:00:00Z"),
            checkpoint(CP2, name="dup", created="2026-03-02T00:00:00Z", state="PENDING"),
        ),
    )

    with pytest.raises(ValueError) as caught:
        actions.find_by_name(client, SIM, "dup")

    assert str(caught.value) == (
        f"2 checkpoints of simulation {SIM} are named 'dup': {CP1} (created "
        f"2026-03-01T00:00:00Z), {CP2} (created 2026-03-02T00:00:00Z); set id to choose one"
    )


def test_find_by_name_reports_deleted_only_matches(http, client):
    http.get(LIST_URL, json=page(checkpoint(CP1, name="old", state="DELETED")))
    assert actions.find_by_name(client, SIM, "old") == (None, 1)


# --- single form ------------------------------------------------------------------------


def test_single_form_by_id_returns_the_shaped_checkpoint_with_its_simulation(http, client, waiter):
    http.get(cp_url(CP1), json=checkpoint())
    http.patch(cp_url(CP1), json=checkpoint(name="new"))
    http.get(f"{BASE}/simulations/runs/{RUN}/", json={"id": RUN, "simulation": SIM})

    outcome, shaped = actions.run_single(
        client, actions.Desired(name="new"), checkpoint_id=CP1, waiter=waiter
    )

    assert outcome.status == "changed"
    assert shaped["simulation"] == SIM
    assert shaped["name"] == "new"
    assert shaped["id"] == CP1


def test_single_form_present_on_a_missing_id_fails_explaining_why(http, client, waiter):
    http.get(cp_url(CP1), status=404, json={"detail": "Not found."})

    outcome, shaped = actions.run_single(
        client, actions.Desired(favorite=True), checkpoint_id=CP1, waiter=waiter
    )

    assert outcome == actions.Outcome(
        "failed",
        f"checkpoint {CP1} was not found; the API cannot create checkpoints (they come from "
        "shutting a simulation down)",
    )
    assert shaped == {}


def test_single_form_absent_on_a_made_up_id_changes_nothing(http, client, waiter):
    http.get(cp_url(CP1), status=404, json={"detail": "Not found."})

    outcome, shaped = actions.run_single(
        client, actions.Desired(state="absent"), checkpoint_id=CP1, waiter=waiter
    )

    assert outcome == actions.Outcome("ok", f"checkpoint {CP1} was not found; nothing to delete")
    assert shaped == {}


def test_single_form_by_name_uses_the_name_only_to_select(http, client, waiter):
    http.get(LIST_URL, json=page(checkpoint(CP1, name="keep")))
    http.patch(cp_url(CP1), json=checkpoint(CP1, name="keep", favorite=True))

    outcome, shaped = actions.run_single(
        client, actions.Desired(name="keep", favorite=True), simulation_id=SIM, waiter=waiter
    )

    assert body_of(http.calls[1]) == {"favorite": True}
    assert shaped["simulation"] == SIM
    assert outcome.status == "changed"


def test_single_form_absent_by_a_name_held_only_by_deleted_checkpoints(http, client, waiter):
    http.get(LIST_URL, json=page(checkpoint(CP1, name="gone", state="DELETED")))

    outcome, shaped = actions.run_single(
        client, actions.Desired(state="absent", name="gone"), simulation_id=SIM, waiter=waiter
    )

    assert outcome == actions.Outcome(
        "ok", f"simulation {SIM} has no checkpoint named 'gone' (only 1 DELETED); nothing to delete"
    )
    assert shaped == {}


def test_single_form_duplicate_names_fail_without_acting(http, client, waiter):
    http.get(LIST_URL, json=page(checkpoint(CP1, name="d"), checkpoint(CP2, name="d")))

    outcome, shaped = actions.run_single(
        client, actions.Desired(state="absent", name="d"), simulation_id=SIM, waiter=waiter
    )

    assert outcome.status == "failed"
    assert "set id to choose one" in outcome.msg
    assert shaped == {}
    assert writes(http) == []


def test_single_form_wait_timeout_fails_with_the_last_checkpoint(http, client, fake_time):
    http.get(cp_url(CP1), json=checkpoint(state="PENDING"))
    http.get(cp_url(CP1), json=checkpoint(state="PENDING"))
    http.get(f"{BASE}/simulations/runs/{RUN}/", json={"id": RUN, "simulation": SIM})
    waiter = actions.Waiter(sleep=fake_time.sleep, clock=fake_time.clock)

    outcome, shaped = actions.run_single(
        client,
        actions.Desired(state="absent", wait=True, wait_timeout=1),
        checkpoint_id=CP1,
        waiter=waiter,
    )

    assert outcome.status == "failed"
    assert outcome.msg.endswith("was still PENDING after waiting 1 seconds (wait_timeout)")
    assert shaped["state"] == "PENDING"
    assert shaped["simulation"] == SIM


# --- list form ----------------------------------------------------------------------------


def test_parse_items_accepts_ids_and_dicts_and_drops_repeats():
    items, problems = actions.parse_items(
        [
            CP1,
            {"id": CP2, "modified": "2026-03-11T18:40:02Z", "name": "x", "reason": "old"},
            CP1.upper(),
            {"id": CP2},
        ]
    )

    assert problems == []
    assert items == [actions.Item(CP1), actions.Item(CP2, "2026-03-11T18:40:02Z")]


def test_parse_items_names_every_bad_element():
    items, problems = actions.parse_items(
        [CP1, "not-a-uuid", {"name": "no id"}, 7, {"id": CP2, "modified": "yesterday"}]
    )

    assert problems == [
        "checkpoints[1] is not a checkpoint id (UUID): 'not-a-uuid'",
        "checkpoints[2] is not a checkpoint id (UUID): None",
        "checkpoints[3] must be a checkpoint id or a dict with 'id', got 7",
        "checkpoints[4].modified is not a timestamp: 'yesterday'",
    ]
    assert items == [actions.Item(CP1)]


@pytest.mark.parametrize(
    "listed, current, same",
    [
        ("2026-03-11T18:40:02.000001Z", "2026-03-11T18:40:02.000001Z", True),
        ("2026-03-11T18:40:02.000001Z", "2026-03-11T18:40:02.000001+00:00", True),
        ("2026-03-11T20:40:02.000001+02:00", "2026-03-11T18:40:02.000001Z", True),
        ("2026-03-11T18:40:02Z", "2026-03-11T18:40:02.000001Z", False),
        ("2026-03-11T18:40:02Z", None, False),
    ],
)
def test_modified_times_compare_as_instants(listed, current, same):
    assert actions.same_time(listed, current) is same


def test_list_form_reports_every_outcome_and_counts_them(http, client, waiter):
    listed_modified = "2026-03-11T18:40:02.000001Z"
    http.get(cp_url(CP1), json=checkpoint(CP1, name="a"))
    http.delete(cp_url(CP1), status=204)
    http.get(cp_url(CP2), status=404, json={"detail": "Not found."})
    http.get(cp_url(CP3), json=checkpoint(CP3, name="c", state="DELETED"))
    http.get(cp_url(CP4), json=checkpoint(CP4, name="d", modified="2026-03-12T09:00:00Z"))
    http.get(cp_url(CP5), json=checkpoint(CP5, name="e", state="PENDING"))
    http.get(cp_url(CP6), json=checkpoint(CP6, name="f", favorite=True))
    http.get(cp_url(CP7), status=500, json={"detail": "boom"})
    items = valid_items([CP1, CP2, CP3, {"id": CP4, "modified": listed_modified}, CP5, CP6, CP7])

    report = actions.run_many(client, items, actions.Desired(state="absent"), 3, waiter)

    results = report["results"]
    assert [(r["id"], r["name"], r["status"]) for r in results] == [
        (CP1, "a", "changed"),
        (CP2, None, "ok"),
        (CP3, "c", "ok"),
        (CP4, "d", "skipped"),
        (CP5, "e", "failed"),
        (CP6, "f", "failed"),
        (CP7, None, "failed"),
    ]
    assert results[0]["msg"] == f"deleted checkpoint {CP1}"
    assert results[1]["msg"] == "not found; nothing to delete"
    assert results[2]["msg"] == "already DELETED"
    assert results[3]["msg"] == (
        f"changed since it was listed (modified {listed_modified}, now 2026-03-12T09:00:00Z)"
    )
    assert results[4]["msg"] == PENDING_MSG.replace(CP1, CP5)
    assert (
        results[5]["msg"] == f"checkpoint {CP6} is a favorite; set force: true to delete favorites"
    )
    assert results[6]["failure"]["status"] == 500
    assert results[6]["msg"].startswith(f"GET simulations/runs/checkpoints/{CP7}/: 500")
    assert all("failure" not in r for r in results[:6])
    assert report["summary"] == {
        "changed": 1,
        "ok": 2,
        "skipped": 1,
        "failed": 3,
        "total": 7,
    }
    assert report["changed"] is True
    assert report["diff"] == {
        "before": {CP1: {"state": "COMPLETE"}},
        "after": {CP1: {"state": "DELETED"}},
    }
    assert writes(http) == [("DELETE", cp_url(CP1))]


def test_list_form_deletes_when_modified_still_matches(http, client, waiter):
    http.get(cp_url(CP1), json=checkpoint(CP1))
    http.delete(cp_url(CP1), status=204)
    items = valid_items([{"id": CP1, "modified": "2026-03-11T18:40:02.000001Z"}])

    report = actions.run_many(client, items, actions.Desired(state="absent"), 1, waiter)

    assert report["results"][0]["status"] == "changed"


def test_list_form_check_mode_reads_but_never_writes(http, client, waiter):
    http.get(cp_url(CP1), json=checkpoint(CP1))
    http.get(cp_url(CP2), json=checkpoint(CP2, favorite=True))
    items = valid_items([CP1, CP2])

    report = actions.run_many(
        client, items, actions.Desired(favorite=True, check_mode=True), 2, waiter
    )

    assert writes(http) == []
    assert [r["status"] for r in report["results"]] == ["changed", "ok"]
    assert report["diff"] == {
        "before": {CP1: {"favorite": False}},
        "after": {CP1: {"favorite": True}},
    }


def test_list_form_present_fails_for_missing_and_deleted_checkpoints(http, client, waiter):
    http.get(cp_url(CP1), status=404, json={"detail": "Not found."})
    http.get(cp_url(CP2), json=checkpoint(CP2, state="DELETED"))
    items = valid_items([CP1, CP2])

    report = actions.run_many(client, items, actions.Desired(favorite=True), 2, waiter)

    assert [r["status"] for r in report["results"]] == ["failed", "failed"]
    assert report["results"][0]["msg"] == (
        "not found; the API cannot create checkpoints (they come from shutting a simulation down)"
    )
    assert report["changed"] is False


def test_list_form_stops_asking_after_an_auth_error(http, client, waiter):
    http.get(cp_url(CP1), status=403, json={"detail": "Forbidden."})
    items = valid_items([CP1, CP2, CP3])

    report = actions.run_many(client, items, actions.Desired(state="absent"), 1, waiter)

    assert len(http.calls) == 1
    assert [r["status"] for r in report["results"]] == ["failed"] * 3
    assert report["results"][1]["msg"] == "not attempted: " + report["results"][0]["msg"]
    assert report["summary"]["failed"] == 3


def test_list_form_survives_an_unexpected_answer(http, client, waiter):
    http.get(cp_url(CP1), json=["not", "an", "object"])
    http.get(cp_url(CP2), json=checkpoint(CP2, state="DELETED"))
    items = valid_items([CP1, CP2])

    report = actions.run_many(client, items, actions.Desired(state="absent"), 2, waiter)

    assert [r["status"] for r in report["results"]] == ["failed", "ok"]
    assert report["results"][0]["msg"].startswith("unexpected error: AttributeError")


def test_list_form_of_a_thousand_items_processes_each_once(http, client, waiter):
    ids = [f"bbbbbbbb-0000-4000-8000-{n:012d}" for n in range(1000)]
    store = {cid: checkpoint(cid) for cid in ids}

    def read(request):
        return 200, {}, json.dumps(store[request.url.rstrip("/").rsplit("/", 1)[1]])

    def delete(request):
        store[request.url.rstrip("/").rsplit("/", 1)[1]]["state"] = "DELETED"
        return 204, {}, ""

    item_url = re.compile(re.escape(LIST_URL) + r"[0-9a-f-]+/$")
    http.add_callback(responses.GET, item_url, callback=read)
    http.add_callback(responses.DELETE, item_url, callback=delete)
    items = valid_items(ids + ids[:10])

    report = actions.run_many(client, items, actions.Desired(state="absent"), 8, waiter)

    assert report["summary"] == {
        "changed": 1000,
        "ok": 0,
        "skipped": 0,
        "failed": 0,
        "total": 1000,
    }
    assert [r["id"] for r in report["results"]] == ids
    assert len(writes(http)) == 1000
    assert {cp["state"] for cp in store.values()} == {"DELETED"}


class InFlight:
    """Wraps mocked answers to record the most requests the mock served at the same time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.now = self.highest = 0

    def counted(self, answer):
        def callback(request):
            with self.lock:
                self.now += 1
                self.highest = max(self.highest, self.now)
            # Give other workers the chance to overlap with this request.
            threading.Event().wait(0.002)
            with self.lock:
                self.now -= 1
            return answer(request)

        return callback


@pytest.mark.parametrize("concurrency", [1, 4])
def test_list_form_never_has_more_requests_in_flight_than_concurrency(http, client, concurrency):
    in_flight = InFlight()

    def read(request):
        cid = request.url.rstrip("/").rsplit("/", 1)[1]
        return 200, {}, json.dumps(checkpoint(cid, state="DELETED"))

    http.add_callback(
        responses.GET, re.compile(re.escape(LIST_URL) + r".+"), callback=in_flight.counted(read)
    )
    ids = [f"cccccccc-0000-4000-8000-{n:012d}" for n in range(40)]

    report = actions.run_many(
        client, valid_items(ids), actions.Desired(state="absent"), concurrency
    )

    assert report["summary"]["ok"] == 40
    assert 1 <= in_flight.highest <= concurrency


def test_summary_msg_counts_every_status():
    summary = {"changed": 2, "ok": 1, "skipped": 0, "failed": 1, "total": 4}
    assert actions.summary_msg(summary) == "2 changed, 1 ok, 0 skipped, 1 failed of 4 checkpoints"


SIM2 = "33333333-3333-4333-8333-333333333333"


def listing_of(simulation):
    """The re-read listing of one simulation's COMPLETE checkpoints, as the client sends it."""
    return [
        responses.matchers.query_param_matcher(
            {"simulation": simulation, "state": "COMPLETE", "limit": "200", "ordering": "created"}
        )
    ]


def planned(cid, simulation=SIM, modified="2026-03-11T18:40:02.000001Z"):
    return {"id": cid, "simulation": simulation, "modified": modified, "name": "x"}


def test_list_form_rereads_each_simulation_with_one_listing_instead_of_a_get_per_item(
    http, client, waiter
):
    http.get(LIST_URL, match=listing_of(SIM), json=page(checkpoint(CP1), checkpoint(CP2)))
    http.get(LIST_URL, match=listing_of(SIM2), json=page(checkpoint(CP3), checkpoint(CP4)))
    for cid in (CP1, CP2, CP3, CP4):
        http.delete(cp_url(cid), status=204)
    items = valid_items(
        [planned(CP1), planned(CP3, SIM2), planned(CP2), {"id": CP4, "simulation": SIM2}]
    )

    report = actions.run_many(client, items, actions.Desired(state="absent"), 4, waiter)

    gets = [c.request.url for c in http.calls if c.request.method == "GET"]
    assert len(gets) == 2
    assert all(url.startswith(LIST_URL + "?") for url in gets)
    assert sorted(writes(http)) == [("DELETE", cp_url(cid)) for cid in (CP1, CP2, CP3, CP4)]
    # Results keep the order of the input, whatever order the batches ran in.
    assert [(r["id"], r["status"]) for r in report["results"]] == [
        (CP1, "changed"),
        (CP3, "changed"),
        (CP2, "changed"),
        (CP4, "changed"),
    ]
    assert items[1].simulation == SIM2


def test_list_form_skips_an_item_whose_listing_shows_a_change(http, client, waiter):
    http.get(
        LIST_URL,
        match=listing_of(SIM),
        json=page(
            checkpoint(CP1, modified="2026-03-12T09:00:00Z", favorite=True),
            checkpoint(CP2, favorite=True),
        ),
    )
    items = valid_items([planned(CP1), planned(CP2)])

    report = actions.run_many(client, items, actions.Desired(state="absent"), 2, waiter)

    assert writes(http) == []
    assert [r["status"] for r in report["results"]] == ["skipped", "failed"]
    assert report["results"][0]["msg"].startswith(actions.RACE_SKIPPED)
    assert actions.FAVORITE_REFUSED in report["results"][1]["msg"]


def test_list_form_reads_alone_an_item_missing_from_its_simulations_listing(http, client, waiter):
    # CP2 was deleted by someone else and CP3 named the wrong simulation: neither is in the
    # COMPLETE listing, so each is read on its own and handled from what that read says.
    http.get(LIST_URL, match=listing_of(SIM), json=page(checkpoint(CP1)))
    http.get(cp_url(CP2), json=checkpoint(CP2, state="DELETED"))
    http.get(cp_url(CP3), json=checkpoint(CP3))
    http.delete(cp_url(CP1), status=204)
    http.delete(cp_url(CP3), status=204)
    items = valid_items([planned(CP1), planned(CP2), planned(CP3)])

    report = actions.run_many(client, items, actions.Desired(state="absent"), 1, waiter)

    assert [(r["status"], r["msg"]) for r in report["results"]] == [
        ("changed", f"deleted checkpoint {CP1}"),
        ("ok", "already DELETED"),
        ("changed", f"deleted checkpoint {CP3}"),
    ]


def test_list_form_reads_items_alone_when_their_simulations_listing_fails(http, client, waiter):
    http.get(LIST_URL, match=listing_of(SIM), status=500, json={"detail": "boom"})
    http.get(cp_url(CP1), json=checkpoint(CP1))
    http.get(cp_url(CP2), json=checkpoint(CP2, state="DELETED"))
    http.delete(cp_url(CP1), status=204)
    items = valid_items([planned(CP1), planned(CP2)])

    report = actions.run_many(client, items, actions.Desired(state="absent"), 2, waiter)

    assert [r["status"] for r in report["results"]] == ["changed", "ok"]
    assert writes(http) == [("DELETE", cp_url(CP1))]


def test_list_form_check_mode_rereads_by_listing_and_never_writes(http, client, waiter):
    http.get(LIST_URL, match=listing_of(SIM), json=page(checkpoint(CP1), checkpoint(CP2)))
    items = valid_items([planned(CP1), planned(CP2)])

    report = actions.run_many(
        client, items, actions.Desired(favorite=True, check_mode=True), 2, waiter
    )

    assert writes(http) == []
    assert len(http.calls) == 1
    assert report["summary"]["changed"] == 2


@pytest.mark.parametrize("simulation", [None, "", "lab-1", 7])
def test_an_item_without_a_simulation_id_is_read_alone(simulation):
    items = valid_items([{"id": CP1, "simulation": simulation}])

    assert items == [actions.Item(CP1)]
    assert [batch.simulation for batch in actions.reread_batches(items)] == [None]


def test_reread_batches_bound_how_many_items_share_one_listing():
    ids = [f"dddddddd-0000-4000-8000-{n:012d}" for n in range(7)]
    items = valid_items([planned(cid) for cid in ids[:5]] + [planned(ids[5], SIM2), ids[6]])

    batches = actions.reread_batches(items, size=2)

    assert [(b.simulation, [p for p, _item in b.entries]) for b in batches] == [
        (SIM, [0, 1]),
        (SIM, [2, 3]),
        (SIM, [4]),
        (SIM2, [5]),
        (None, [6]),
    ]


def test_a_simulation_with_more_items_than_a_batch_is_listed_once_per_batch(
    http, client, waiter, monkeypatch
):
    monkeypatch.setattr(actions, "REREAD_BATCH", 2)
    ids = [f"eeeeeeee-0000-4000-8000-{n:012d}" for n in range(5)]
    http.get(LIST_URL, match=listing_of(SIM), json=page(*(checkpoint(c) for c in ids)))
    item_url = re.compile(re.escape(LIST_URL) + r"[0-9a-f-]+/$")
    http.add(responses.DELETE, item_url, status=204)

    report = actions.run_many(
        client, valid_items([planned(c) for c in ids]), actions.Desired(state="absent"), 2, waiter
    )

    listings = [c for c in http.calls if c.request.method == "GET"]
    assert len(listings) == 3
    assert report["summary"]["changed"] == 5


@pytest.mark.parametrize("concurrency", [1, 3])
def test_rereading_listings_count_against_concurrency(http, client, concurrency):
    in_flight = InFlight()
    ids = [f"ffffffff-0000-4000-8000-{n:012d}" for n in range(30)]

    def listing(request):
        return 200, {}, json.dumps(page(*(checkpoint(c) for c in ids)))

    http.add_callback(responses.GET, LIST_URL, callback=in_flight.counted(listing))
    http.add_callback(
        responses.DELETE,
        re.compile(re.escape(LIST_URL) + r".+"),
        callback=in_flight.counted(lambda request: (204, {}, "")),
    )
    # Two simulations, so a listing is taken while the first one's deletions are running.
    items = valid_items([planned(c, SIM if n < 15 else SIM2) for n, c in enumerate(ids)])

    report = actions.run_many(client, items, actions.Desired(state="absent"), concurrency)

    assert report["summary"]["changed"] == 30
    assert 1 <= in_flight.highest <= concurrency
