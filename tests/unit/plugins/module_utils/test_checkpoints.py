# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checkpoint shape, run -> simulation index, simulation name lookups."""

from __future__ import annotations

import pytest
from responses import matchers

from ansible_collections.nvair.air.plugins.module_utils.air_client import AirError
from ansible_collections.nvair.air.plugins.module_utils.checkpoints import (
    RunIndex,
    checkpoint_path,
    is_uuid,
    prepare_checkpoint,
    resolve_simulation,
)

SIM_A = "aaaaaaaa-0000-4000-8000-000000000001"
SIM_B = "bbbbbbbb-0000-4000-8000-000000000002"
RUN = "cccccccc-0000-4000-8000-00000000000{}"


def page(results, next_url=None):
    return {"count": len(results), "next": next_url, "previous": None, "results": results}


def test_checkpoint_path_keeps_odd_ids_in_one_segment():
    assert checkpoint_path(SIM_A) == f"simulations/runs/checkpoints/{SIM_A}/"
    assert checkpoint_path("../../simulations") == (
        "simulations/runs/checkpoints/..%2F..%2Fsimulations/"
    )


def test_is_uuid():
    assert is_uuid(SIM_A)
    assert is_uuid(SIM_A.upper())
    assert not is_uuid("lab")
    assert not is_uuid(SIM_A + "0")
    assert not is_uuid(None)


def test_prepare_checkpoint_keeps_every_field_and_adds_simulation():
    raw = {
        "id": "x",
        "name": "Checkpoint 2026-03-11 18:36:14",
        "favorite": False,
        "run": RUN.format(1),
        "state": "COMPLETE",
        "metadata": {},
        "created": "2026-03-11T18:36:14.123456Z",
        "modified": "2026-03-11T18:36:14.123456Z",
        "future_field": 1,
    }
    prepared = prepare_checkpoint(raw, SIM_A)
    assert prepared == {**raw, "simulation": SIM_A}
    assert "simulation" not in raw
    assert prepare_checkpoint({"id": "x"}, None) == {"id": "x", "simulation": None}


def test_run_index_gets_a_few_runs_one_by_one(client, mocked, api):
    for number in (1, 2):
        mocked.get(
            f"{api}/simulations/runs/{RUN.format(number)}/",
            json={"id": RUN.format(number), "simulation": SIM_A},
        )
    index = RunIndex(client)

    assert index.simulation_of(RUN.format(1)) == SIM_A
    assert index.simulation_of(RUN.format(2)) == SIM_A
    assert index.simulation_of(RUN.format(1)) == SIM_A
    assert index.simulation_of(None) is None
    assert len(mocked.calls) == 2


def test_run_index_switches_to_one_listing_when_many_runs_are_needed(client, mocked, api):
    runs = [{"id": RUN.format(n), "simulation": SIM_B if n % 2 else SIM_A} for n in range(10)]
    for run in runs[:2]:
        mocked.get(f"{api}/simulations/runs/{run['id']}/", json=run)
    mocked.get(
        f"{api}/simulations/runs/",
        json=page(runs[:5], f"{api}/simulations/runs/?limit=200&offset=5"),
        match=[matchers.query_param_matcher({"limit": "200", "ordering": "created"})],
    )
    mocked.get(f"{api}/simulations/runs/?limit=200&offset=5", json=page(runs[5:]))
    index = RunIndex(client, lookups_before_listing=2)

    found = [index.simulation_of(run["id"]) for run in runs]

    assert found == [run["simulation"] for run in runs]
    assert [c.request.path_url.split("?")[0] for c in mocked.calls] == [
        f"/api/v3/simulations/runs/{RUN.format(0)}/",
        f"/api/v3/simulations/runs/{RUN.format(1)}/",
        "/api/v3/simulations/runs/",
        "/api/v3/simulations/runs/",
    ]


def test_run_index_lists_only_the_given_simulations(client, mocked, api):
    mocked.get(
        f"{api}/simulations/runs/",
        json=page([{"id": RUN.format(1), "simulation": SIM_A}]),
        match=[matchers.query_param_matcher({"simulation": SIM_A}, strict_match=False)],
    )
    mocked.get(
        f"{api}/simulations/runs/{RUN.format(9)}/", json={"id": RUN.format(9), "simulation": SIM_B}
    )
    index = RunIndex(client, simulations=[SIM_A], lookups_before_listing=0)

    assert index.simulation_of(RUN.format(1)) == SIM_A
    # Not in the listing (another simulation): fetched on its own.
    assert index.simulation_of(RUN.format(9)) == SIM_B
    assert len(mocked.calls) == 2


def test_run_index_maps_a_vanished_run_to_none(client, mocked, api):
    mocked.get(
        f"{api}/simulations/runs/{RUN.format(1)}/", status=404, json={"detail": "Not found."}
    )
    index = RunIndex(client)

    assert index.simulation_of(RUN.format(1)) is None
    assert index.simulation_of(RUN.format(1)) is None
    assert len(mocked.calls) == 1


def test_run_index_remembers_known_runs(client, mocked):
    index = RunIndex(client)
    index.remember(RUN.format(1), SIM_A)
    assert index.simulation_of(RUN.format(1)) == SIM_A
    assert len(mocked.calls) == 0


def test_simulation_uuid_passes_without_a_request(client, mocked):
    assert resolve_simulation(client, SIM_A.upper()) == SIM_A
    assert len(mocked.calls) == 0


def search(mocked, api, term, simulations):
    mocked.get(
        f"{api}/simulations/",
        json=page(simulations),
        match=[matchers.query_param_matcher({"search": term, "ordering": "name", "limit": "200"})],
    )


def test_simulation_name_must_match_exactly(client, mocked, api):
    search(
        mocked,
        api,
        "lab",
        [{"id": SIM_B, "name": "lab-2"}, {"id": SIM_A, "name": "lab"}, {"id": "z", "name": "Lab"}],
    )
    assert resolve_simulation(client, "lab") == SIM_A


def test_unknown_simulation_name_lists_close_candidates(client, mocked, api):
    search(mocked, api, "lab", [{"id": str(n), "name": f"Lab {n}"} for n in range(12)])

    with pytest.raises(AirError) as caught:
        resolve_simulation(client, "lab")
    names = ", ".join(f"'Lab {n}'" for n in range(10))
    assert str(caught.value) == (
        f"No simulation is named exactly 'lab' (names are case-sensitive). Similar names: "
        f"{names}. Pass an existing simulation name or id"
    )


def test_unknown_simulation_name_without_candidates(client, mocked, api):
    search(mocked, api, "nope", [])

    with pytest.raises(AirError) as caught:
        resolve_simulation(client, "nope")
    assert str(caught.value) == (
        "No simulation is named exactly 'nope' (names are case-sensitive). Pass an existing "
        "simulation name or id"
    )


def test_ambiguous_simulation_name_lists_the_ids(client, mocked, api):
    search(mocked, api, "lab", [{"id": SIM_A, "name": "lab"}, {"id": SIM_B, "name": "lab"}])

    with pytest.raises(AirError) as caught:
        resolve_simulation(client, "lab")
    assert str(caught.value) == (
        f"simulation name 'lab' matches 2 simulations ({SIM_A}, {SIM_B}); pass the simulation "
        "id instead of the name"
    )
