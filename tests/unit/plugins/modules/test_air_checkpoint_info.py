# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""air_checkpoint_info: what is sent to the API and the exact task results."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from responses import matchers

from ansible_collections.nvair.air.plugins.modules import air_checkpoint_info
from ansible_collections.nvair.air.tests.unit.plugins.modules.utils import run_module

CP = "simulations/runs/checkpoints/"
SIM_A = "aaaaaaaa-0000-4000-8000-00000000000a"
SIM_B = "bbbbbbbb-0000-4000-8000-00000000000b"
RUN_A = "aaaaaaaa-1111-4000-8000-00000000000a"
RUN_B = "bbbbbbbb-1111-4000-8000-00000000000b"
MISSING = "99999999-0000-4000-8000-000000000099"


def cp(number, run=RUN_A, state="COMPLETE", favorite=False, name=None, created=None):
    stamp = created or f"2026-03-{number:02d}T10:00:00.000000Z"
    return {
        "id": f"00000000-0000-4000-8000-0000000000{number:02d}",
        "name": name or f"Checkpoint {number}",
        "favorite": favorite,
        "run": run,
        "state": state,
        "metadata": {},
        "created": stamp,
        "modified": stamp,
    }


def page(results, next_url=None):
    return {"count": len(results), "next": next_url, "previous": None, "results": results}


def with_sim(checkpoint, simulation):
    return {**checkpoint, "simulation": simulation}


@pytest.fixture
def run_info(api, token, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)

    def run(**args):
        return run_module(air_checkpoint_info.main, {"api_url": api, "api_token": token, **args})

    return run


def queries(mocked, path=CP):
    """Query parameters of every call to path, in order."""
    found = []
    for call in mocked.calls:
        parts = urlsplit(call.request.url)
        if parts.path == f"/api/v3/{path}":
            found.append({k: v[0] for k, v in parse_qs(parts.query).items()})
    return found


def test_lists_everything_with_simulation_ids_and_counts(run_info, mocked, api):
    one, two = cp(1), cp(2, run=RUN_B, state="DELETED", favorite=True)
    mocked.get(f"{api}/{CP}", json=page([one, two]))
    mocked.get(f"{api}/simulations/runs/{RUN_A}/", json={"id": RUN_A, "simulation": SIM_A})
    mocked.get(f"{api}/simulations/runs/{RUN_B}/", json={"id": RUN_B, "simulation": SIM_B})

    kind, result, warnings = run_info()

    assert (kind, warnings) == ("exit", [])
    assert result == {
        "changed": False,
        "checkpoints": [with_sim(one, SIM_A), with_sim(two, SIM_B)],
        "count": 2,
        "counts": {"PENDING": 0, "COMPLETE": 1, "DELETED": 1, "favorite": 1},
        "not_found": [],
    }
    assert queries(mocked) == [{"limit": "200", "ordering": "created"}]


def test_each_checkpoint_keeps_its_own_metadata(run_info, mocked, api):
    # Empty metadata is one shared dict in memory; a filled one must stay with its checkpoint.
    tagged = {**cp(2), "metadata": {"owner": "ci"}}
    mocked.get(f"{api}/{CP}", json=page([cp(1), tagged, cp(3)]))
    mocked.get(f"{api}/simulations/runs/{RUN_A}/", json={"id": RUN_A, "simulation": SIM_A})

    kind, result, _warnings = run_info(query="[].metadata")

    assert kind == "exit"
    assert result["checkpoints"] == [
        with_sim(cp(1), SIM_A),
        with_sim(tagged, SIM_A),
        with_sim(cp(3), SIM_A),
    ]
    assert result["query_result"] == [{}, {"owner": "ci"}, {}]


def test_server_side_filters_are_sent_and_simulation_name_resolved(run_info, mocked, api):
    mocked.get(
        f"{api}/simulations/",
        json=page([{"id": SIM_A, "name": "lab"}, {"id": SIM_B, "name": "lab 2"}]),
        match=[matchers.query_param_matcher({"search": "lab"}, strict_match=False)],
    )
    mocked.get(f"{api}/{CP}", json=page([cp(3)]))

    kind, result, _warnings = run_info(
        simulation=["lab"],
        run=[RUN_A.upper()],
        state=["COMPLETE"],
        favorite=False,
        search="nightly",
        ordering="-created,name",
        page_size=50,
    )

    assert kind == "exit"
    assert result["checkpoints"] == [with_sim(cp(3), SIM_A)]
    assert queries(mocked) == [
        {
            "simulation": SIM_A,
            "run": RUN_A,
            "state": "COMPLETE",
            "favorite": "false",
            "search": "nightly",
            "ordering": "-created,name",
            "limit": "50",
        }
    ]


def test_two_states_are_two_listings_merged_in_order(run_info, mocked, api):
    pending = cp(5, state="PENDING")
    complete_old, complete_new = cp(1), cp(9)
    mocked.get(
        f"{api}/{CP}",
        json=page([complete_new, complete_old]),
        match=[matchers.query_param_matcher({"state": "COMPLETE"}, strict_match=False)],
    )
    mocked.get(
        f"{api}/{CP}",
        json=page([pending]),
        match=[matchers.query_param_matcher({"state": "PENDING"}, strict_match=False)],
    )

    kind, result, _warnings = run_info(
        simulation=[SIM_A], state=["COMPLETE", "PENDING"], ordering="-created"
    )

    assert kind == "exit"
    assert [c["id"] for c in result["checkpoints"]] == [
        complete_new["id"],
        pending["id"],
        complete_old["id"],
    ]
    assert result["counts"] == {"PENDING": 1, "COMPLETE": 2, "DELETED": 0, "favorite": 0}


def test_all_three_states_need_no_state_filter(run_info, mocked, api):
    mocked.get(f"{api}/{CP}", json=page([]))

    kind, _result, _warnings = run_info(
        simulation=[SIM_A], state=["DELETED", "COMPLETE", "PENDING"]
    )

    assert kind == "exit"
    assert queries(mocked) == [{"simulation": SIM_A, "limit": "200", "ordering": "created"}]


def test_exact_name_narrows_with_search_then_compares_exactly(run_info, mocked, api):
    wanted = cp(1, name="gold")
    mocked.get(
        f"{api}/{CP}",
        json=page([cp(2, name="Gold"), wanted, cp(3, name="gold old"), cp(4, name="gold")]),
    )

    kind, result, _warnings = run_info(simulation=[SIM_A], name="gold")

    assert kind == "exit"
    assert [c["id"] for c in result["checkpoints"]] == [wanted["id"], cp(4)["id"]]
    assert queries(mocked)[0]["search"] == "gold"


def test_created_bounds_filter_and_stop_the_listing_early(run_info, mocked, api):
    first = [cp(1), cp(2), cp(3)]
    next_url = f"{api}/{CP}?limit=3&offset=3&simulation={SIM_A}&ordering=created"
    mocked.get(f"{api}/{CP}", json=page(first, next_url))
    mocked.get(next_url, json=page([cp(4), cp(5), cp(6)]))

    kind, result, _warnings = run_info(
        simulation=[SIM_A],
        page_size=3,
        created_after="2026-03-01T12:00:00Z",
        created_before="2026-03-03T00:00:00+00:00",
    )

    assert kind == "exit"
    assert [c["id"] for c in result["checkpoints"]] == [cp(2)["id"]]
    # Sorted by created, the first page already passed the bound: page 2 is never fetched.
    assert len(mocked.calls) == 1


def test_relative_age(run_info, mocked, api):
    mocked.get(
        f"{api}/{CP}",
        json=page([cp(1, created="2001-01-01T00:00:00Z"), cp(2, created="2999-01-01T00:00:00Z")]),
    )

    kind, result, _warnings = run_info(simulation=[SIM_A], created_before="30d")

    assert kind == "exit"
    assert [c["created"] for c in result["checkpoints"]] == ["2001-01-01T00:00:00Z"]


def test_limit_stops_listing_and_shrinks_the_page(run_info, mocked, api):
    next_url = f"{api}/{CP}?limit=2&offset=2"
    mocked.get(f"{api}/{CP}", json=page([cp(1), cp(2)], next_url))

    kind, result, _warnings = run_info(simulation=[SIM_A], limit=2)

    assert kind == "exit"
    assert result["count"] == 2
    assert queries(mocked) == [{"simulation": SIM_A, "limit": "2", "ordering": "created"}]


def test_ids_are_fetched_and_unknown_ones_reported(run_info, mocked, api):
    found = cp(7)
    mocked.get(f"{api}/{CP}{found['id']}/", json=found)
    mocked.get(f"{api}/{CP}{MISSING}/", status=404, json={"detail": "Not found."})
    mocked.get(f"{api}/simulations/runs/{RUN_A}/", json={"id": RUN_A, "simulation": SIM_A})

    kind, result, _warnings = run_info(id=[MISSING, found["id"].upper(), found["id"]])

    assert kind == "exit"
    assert result == {
        "changed": False,
        "checkpoints": [with_sim(found, SIM_A)],
        "count": 1,
        "counts": {"PENDING": 0, "COMPLETE": 1, "DELETED": 0, "favorite": 0},
        "not_found": [MISSING],
    }
    assert len(mocked.calls) == 3


def test_filters_apply_to_ids_too(run_info, mocked, api):
    mocked.get(f"{api}/{CP}{cp(1)['id']}/", json=cp(1, state="DELETED"))
    mocked.get(f"{api}/{CP}{cp(2)['id']}/", json=cp(2, run=RUN_B))
    mocked.get(f"{api}/simulations/runs/{RUN_A}/", json={"id": RUN_A, "simulation": SIM_A})
    mocked.get(f"{api}/simulations/runs/{RUN_B}/", json={"id": RUN_B, "simulation": SIM_B})

    kind, result, _warnings = run_info(
        id=[cp(1)["id"], cp(2)["id"]], state=["COMPLETE"], simulation=[SIM_B]
    )

    assert kind == "exit"
    assert result["checkpoints"] == [with_sim(cp(2, run=RUN_B), SIM_B)]


def test_query_result(run_info, mocked, api):
    mocked.get(f"{api}/{CP}", json=page([cp(1, favorite=True), cp(2)]))

    kind, result, _warnings = run_info(simulation=[SIM_A], query="[?favorite].name")

    assert kind == "exit"
    assert result["query_result"] == ["Checkpoint 1"]


def test_check_mode_lists_the_same(run_info, mocked, api):
    mocked.get(f"{api}/{CP}", json=page([cp(1)]))

    kind, result, _warnings = run_info(simulation=[SIM_A], _ansible_check_mode=True)

    assert kind == "exit"
    assert result["count"] == 1
    assert result["changed"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"id": ["abc"]},
            "id: 'abc' is not a checkpoint id; ids are UUIDs such as "
            "0b7c6c34-2a5c-4c43-9a53-6d1b1c0a9f01",
        ),
        (
            {"run": ["run-1"]},
            "run: 'run-1' is not a run id; ids are UUIDs such as "
            "0b7c6c34-2a5c-4c43-9a53-6d1b1c0a9f01",
        ),
        ({"simulation": [" "]}, "simulation: an empty value is neither a simulation id nor a name"),
        (
            {"ordering": "created,-size"},
            "ordering 'created,-size': '-size' is not a checkpoint ordering field; use created, "
            "modified, name, run, state, favorite, each optionally prefixed with '-' for "
            "descending, separated by commas",
        ),
        ({"ordering": "created,"}, "ordering 'created,' has an empty term"),
        ({"limit": 0}, "limit must be 1 or more, got 0; omit it for all"),
        ({"limit": True}, "limit must be a whole number, got the boolean True"),
        ({"retries": False}, "retries must be a whole number, got the boolean False"),
        (
            {"created_before": "last week"},
            "created_before: 'last week' is neither an ISO-8601 timestamp (e.g. "
            "2026-03-11T18:36:14Z) nor an age (e.g. 30d, 12h, 1d12h)",
        ),
        (
            {"created_after": "2d", "created_before": "3d"},
            "created_after (2d) is not earlier than created_before (3d), so nothing can match",
        ),
        (
            {"query": "[?favorite"},
            "query is not a valid JMESPath expression: ",
        ),
        ({"id": [MISSING], "search": "x"}, "parameters are mutually exclusive: id|search"),
        (
            {"state": ["DONE"]},
            "value of state must be one or more of: PENDING, COMPLETE, DELETED. Got no match for: "
            "DONE",
        ),
        ({"page_size": 5000}, "page_size must be between 1 and 1000, got 5000"),
    ],
)
def test_bad_input_fails_before_any_request(run_info, mocked, args, message):
    kind, result, _warnings = run_info(**args)

    assert kind == "fail"
    assert result["msg"].startswith(message)
    assert len(mocked.calls) == 0


def test_auth_failure_payload(run_info, mocked, api, token):
    mocked.get(f"{api}/{CP}", status=403, json={"detail": "Invalid token."})

    kind, result, _warnings = run_info(simulation=[SIM_A])

    message = (
        f"GET {CP}: 403 Forbidden: Invalid token. Check the API token (api_token or "
        "AIR_API_TOKEN): it must be a valid NGC API key with the air:simulation_read scope"
    )
    assert (kind, result) == (
        "fail",
        {
            "failed": True,
            "msg": message,
            "failure": {
                "msg": message,
                "method": "GET",
                "path": CP,
                "status": 403,
                "detail": "Invalid token.",
                "field_errors": None,
            },
        },
    )
    assert token not in repr(result)


def test_unknown_simulation_name_fails_with_candidates(run_info, mocked, api):
    mocked.get(f"{api}/simulations/", json=page([{"id": SIM_A, "name": "Lab"}]))

    kind, result, _warnings = run_info(simulation=["lab"])

    assert kind == "fail"
    assert result["msg"] == (
        "No simulation is named exactly 'lab' (names are case-sensitive). Similar names: 'Lab'. "
        "Pass an existing simulation name or id"
    )


def test_retries_are_reported(run_info, mocked, api):
    mocked.get(f"{api}/{CP}", status=429, headers={"Retry-After": "1"})
    mocked.get(f"{api}/{CP}", json=page([]))

    kind, result, _warnings = run_info(simulation=[SIM_A])

    assert kind == "exit"
    assert result["api_retries"] == [
        f"GET {CP}: 429 Too Many Requests; retry 1 of 5 in 1.0 s (Retry-After)"
    ]


def test_small_limit_fetches_runs_one_by_one_instead_of_listing_them(run_info, mocked, api):
    runs = [f"cccccccc-0000-4000-8000-00000000000{n}" for n in range(6)]
    items = [cp(n + 1, run=runs[n]) for n in range(6)]
    mocked.get(f"{api}/{CP}", json=page(items))
    for run in runs:
        mocked.get(f"{api}/simulations/runs/{run}/", json={"id": run, "simulation": SIM_A})

    kind, result, _warnings = run_info(limit=6)

    assert kind == "exit"
    assert [c["simulation"] for c in result["checkpoints"]] == [SIM_A] * 6
    # Six runs stay under the lookups allowed for limit=6: no listing of every run.
    assert queries(mocked, "simulations/runs/") == []
    assert len(mocked.calls) == 7


def test_many_runs_are_loaded_with_one_run_listing(run_info, mocked, api):
    runs = [f"cccccccc-0000-4000-8000-0000000000{n:02d}" for n in range(12)]
    items = [cp(n + 1, run=runs[n]) for n in range(12)]
    mocked.get(f"{api}/{CP}", json=page(items))
    for run in runs[:4]:
        mocked.get(f"{api}/simulations/runs/{run}/", json={"id": run, "simulation": SIM_A})
    mocked.get(
        f"{api}/simulations/runs/",
        json=page([{"id": run, "simulation": SIM_B} for run in runs[4:]]),
    )

    kind, result, _warnings = run_info()

    assert kind == "exit"
    assert [c["simulation"] for c in result["checkpoints"]] == [SIM_A] * 4 + [SIM_B] * 8
    assert queries(mocked, "simulations/runs/") == [{"limit": "200", "ordering": "created"}]
    assert len(mocked.calls) == 6


def test_simulation_names_come_from_one_simulation_listing(run_info, mocked, api):
    mocked.get(f"{api}/{CP}", json=page([cp(1), cp(2, run=RUN_B)]))
    mocked.get(f"{api}/simulations/runs/{RUN_A}/", json={"id": RUN_A, "simulation": SIM_A})
    mocked.get(f"{api}/simulations/runs/{RUN_B}/", json={"id": RUN_B, "simulation": SIM_B})
    mocked.get(
        f"{api}/simulations/",
        json=page([{"id": SIM_B, "name": "lab b"}, {"id": SIM_A, "name": "lab a"}]),
    )

    kind, result, _warnings = run_info(simulation_names=True)

    assert kind == "exit"
    assert result["simulations"] == {SIM_A: "lab a", SIM_B: "lab b"}
    assert len(queries(mocked, "simulations/")) == 1


def test_simulation_names_fetch_what_the_listing_missed(run_info, mocked, api):
    mocked.get(f"{api}/{CP}", json=page([cp(1), cp(2, run=RUN_B)]))
    mocked.get(f"{api}/simulations/runs/{RUN_A}/", json={"id": RUN_A, "simulation": SIM_A})
    mocked.get(f"{api}/simulations/runs/{RUN_B}/", json={"id": RUN_B, "simulation": SIM_B})
    mocked.get(f"{api}/simulations/", json=page([{"id": SIM_A, "name": "lab a"}]))
    mocked.get(f"{api}/simulations/{SIM_B}/", status=404, json={"detail": "Not found."})

    kind, result, _warnings = run_info(simulation_names=True)

    assert kind == "exit"
    assert result["simulations"] == {SIM_A: "lab a", SIM_B: None}


def test_no_simulation_names_unless_asked(run_info, mocked, api):
    mocked.get(f"{api}/{CP}", json=page([with_sim(cp(1), SIM_A)]), match=[])
    mocked.get(f"{api}/simulations/runs/{RUN_A}/", json={"id": RUN_A, "simulation": SIM_A})

    kind, result, _warnings = run_info()

    assert kind == "exit"
    assert "simulations" not in result
    assert queries(mocked, "simulations/") == []
