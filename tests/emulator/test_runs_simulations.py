"""Runs, simulations and the simulation actions (contract §4, §5, §8.10-8.14)."""

import uuid

import pytest
from conftest import CHECKPOINTS, RUNS, SIMULATIONS, first_page, get_all, parse_time

RUN_FIELDS = {"id", "name", "simulation", "started_from", "started_at", "ended_at", "created"}
RUN_FIELDS |= {"modified"}
SIMULATION_FIELDS = {"id", "name", "state", "complete_checkpoint_count", "created", "modified"}
SIMULATION_FIELDS |= {"creator", "auto_oob_enabled", "enable_dhcp", "sleep_at", "expires_at"}
SIMULATION_FIELDS |= {"documentation", "metadata"}


def simulation_named(emu, name):
    matches = [s for s in get_all(emu, SIMULATIONS, {"search": name}) if s["name"] == name]
    assert len(matches) == 1, matches
    return matches[0]


def simulation_in_state(emu, state, with_deleted=False):
    """The first simulation (by name) in `state` with COMPLETE, and optionally DELETED,
    checkpoints."""
    for sim in get_all(emu, SIMULATIONS, {"ordering": "name"}):
        if sim["state"] != state or not sim["complete_checkpoint_count"]:
            continue
        if not with_deleted or first_page(
            emu, CHECKPOINTS, {"simulation": sim["id"], "state": "DELETED"}
        ):
            return sim
    raise AssertionError(f"no {state} simulation in the demo data")


def checkpoints_of(emu, sim_id, **params):
    return get_all(emu, CHECKPOINTS, {"simulation": sim_id, **params})


def action(emu, sim_id, name, body=None):
    return emu.request("PATCH", f"{SIMULATIONS}{sim_id}/{name}/", json_body=body)


# -- runs --------------------------------------------------------------------------------


def test_runs_list_fields_and_every_checkpoint_run_exists(emu):
    runs = get_all(emu, RUNS)
    checkpoints = get_all(emu, CHECKPOINTS)

    assert all(set(run) == RUN_FIELDS for run in runs)
    run_sims = {run["id"]: run["simulation"] for run in runs}
    assert {item["run"] for item in checkpoints} <= set(run_sims)


def test_runs_filter_by_simulation_matches_checkpoint_simulation_filter(emu):
    sim = simulation_in_state(emu, "INACTIVE")

    runs = get_all(emu, RUNS, {"simulation": sim["id"]})
    checkpoints = checkpoints_of(emu, sim["id"])

    assert runs and all(run["simulation"] == sim["id"] for run in runs)
    assert {item["run"] for item in checkpoints} <= {run["id"] for run in runs}


def test_runs_ordering_paging_and_bad_filters(emu):
    newest_first = get_all(emu, RUNS, {"ordering": "-created"}, limit=50)

    times = [parse_time(run["created"]) for run in newest_first]
    assert times == sorted(times, reverse=True)
    assert emu.request("GET", RUNS, params={"simulation": "nope"}).status == 400
    assert emu.request("GET", RUNS, params={"ordering": "state"}).status == 400
    assert emu.request("GET", RUNS, params={"limit": "0"}).status == 400


def test_run_get_and_patch_name(fresh):
    run = first_page(fresh, RUNS)[0]

    assert fresh.request("GET", f"{RUNS}{run['id']}/").json() == run
    renamed = fresh.request("PATCH", f"{RUNS}{run['id']}/", json_body={"name": "boot ✓"})
    assert renamed.status == 200 and renamed.json()["name"] == "boot ✓"
    ignored = fresh.request("PATCH", f"{RUNS}{run['id']}/", json_body={"simulation": run["id"]})
    assert ignored.json()["simulation"] == run["simulation"]


@pytest.mark.parametrize("name", ["", "x" * 129, None, 5])
def test_run_patch_rejects_bad_names(emu, name):
    run = first_page(emu, RUNS)[0]

    answer = emu.request("PATCH", f"{RUNS}{run['id']}/", json_body={"name": name})

    assert answer.status == 400 and "name" in answer.json()


def test_unknown_run_and_simulation_are_404(emu):
    missing = str(uuid.uuid4())
    for path in (f"{RUNS}{missing}/", f"{SIMULATIONS}{missing}/", f"{SIMULATIONS}bad/"):
        answer = emu.request("GET", path)
        assert answer.status == 404 and answer.json() == {"detail": "Not found."}
    assert action(emu, missing, "start").status == 404


# -- simulations -------------------------------------------------------------------------


def test_simulation_fields_and_complete_checkpoint_count(emu):
    sims = get_all(emu, SIMULATIONS)

    assert len(sims) >= 50
    for sim in sims[:15]:
        assert set(sim) == SIMULATION_FIELDS
        complete = checkpoints_of(emu, sim["id"], state="COMPLETE")
        assert sim["complete_checkpoint_count"] == len(complete)
        assert emu.request("GET", f"{SIMULATIONS}{sim['id']}").json() == sim


def test_simulation_search_ordering_and_paging(emu):
    found = get_all(emu, SIMULATIONS, {"search": "DUPLICATE-name"})
    by_name = get_all(emu, SIMULATIONS, {"ordering": "-name"}, limit=7)

    assert len(found) == 2 and {sim["name"] for sim in found} == {"duplicate-name"}
    assert [s["name"] for s in by_name] == sorted((s["name"] for s in by_name), reverse=True)
    assert emu.request("GET", SIMULATIONS, params={"ordering": "bogus"}).status == 400
    assert emu.request("GET", SIMULATIONS, params={"offset": "-3"}).status == 400


# -- actions -----------------------------------------------------------------------------


def test_shutdown_saves_a_pending_checkpoint_in_the_current_run(fresh):
    sim = simulation_in_state(fresh, "ACTIVE")
    before = {item["id"] for item in checkpoints_of(fresh, sim["id"])}
    current = [r for r in get_all(fresh, RUNS, {"simulation": sim["id"]}) if not r["ended_at"]]

    answer = action(fresh, sim["id"], "shutdown", {})

    assert answer.status == 200
    assert answer.json()["state"] == "PREPARE_SHUTDOWN" and answer.json()["id"] == sim["id"]
    new = [i for i in checkpoints_of(fresh, sim["id"]) if i["id"] not in before]
    assert len(new) == 1
    assert new[0]["state"] == "PENDING" and new[0]["run"] == current[0]["id"]
    assert new[0]["name"].startswith("Checkpoint ")
    assert fresh.request("GET", f"{RUNS}{current[0]['id']}/").json()["ended_at"]
    assert fresh.request("GET", f"{SIMULATIONS}{sim['id']}/").json()["state"] == "SAVING"
    assert action(fresh, sim["id"], "start").status == 400  # still saving


def test_pending_checkpoint_completes_and_simulation_becomes_inactive(fresh):
    fresh.settings(complete_after=0)
    sim = simulation_in_state(fresh, "ACTIVE")
    count = sim["complete_checkpoint_count"]

    assert action(fresh, sim["id"], "shutdown").status == 200

    after = fresh.request("GET", f"{SIMULATIONS}{sim['id']}/").json()
    assert after["state"] == "INACTIVE"
    newest = checkpoints_of(fresh, sim["id"], ordering="-created")[0]
    assert newest["state"] == "COMPLETE"
    # Retention (limit 3) deletes one older checkpoint for the new one.
    assert after["complete_checkpoint_count"] == count


def test_shutdown_without_checkpoint_purges(fresh):
    sim = simulation_in_state(fresh, "ACTIVE")
    before = len(checkpoints_of(fresh, sim["id"]))

    answer = action(fresh, sim["id"], "shutdown", {"create_checkpoint": False})

    assert answer.status == 200 and answer.json()["state"] == "PREPARE_PURGE"
    assert len(checkpoints_of(fresh, sim["id"])) == before


@pytest.mark.parametrize("body", [{"create_checkpoint": "yes"}, {"create_checkpoint": None}])
def test_shutdown_rejects_non_boolean_create_checkpoint(emu, body):
    sim = simulation_in_state(emu, "ACTIVE")

    answer = action(emu, sim["id"], "shutdown", body)

    assert answer.status == 400 and "create_checkpoint" in answer.json()


def test_actions_in_the_wrong_state_are_400_detail(emu):
    inactive = simulation_in_state(emu, "INACTIVE")
    active = simulation_in_state(emu, "ACTIVE")

    for sim, name in ((inactive, "shutdown"), (inactive, "rebuild"), (active, "start")):
        answer = action(emu, sim["id"], name, {})
        assert answer.status == 400 and set(answer.json()) == {"detail"}, (name, answer)
    clone = emu.request("POST", f"{SIMULATIONS}clone/", json_body={"simulation": active["id"]})
    assert clone.status == 400 and set(clone.json()) == {"detail"}


def test_start_from_a_complete_checkpoint_records_it_on_the_new_run(fresh):
    sim = simulation_in_state(fresh, "INACTIVE")
    checkpoint = checkpoints_of(fresh, sim["id"], state="COMPLETE")[0]

    answer = action(fresh, sim["id"], "start", {"checkpoint": checkpoint["id"]})

    assert answer.status == 200 and answer.json()["state"] == "REQUESTING"
    runs = get_all(fresh, RUNS, {"simulation": sim["id"], "ordering": "-created"})
    assert runs[0]["started_from"] == checkpoint["id"] and runs[0]["ended_at"] is None


def test_start_without_key_uses_latest_complete_and_null_is_a_clean_boot(fresh):
    first, second = [s for s in get_all(fresh, SIMULATIONS) if s["state"] == "INACTIVE"][:2]
    latest = checkpoints_of(fresh, first["id"], state="COMPLETE", ordering="-created")[0]

    action(fresh, first["id"], "start", {})
    action(fresh, second["id"], "start", {"checkpoint": None})

    newest = get_all(fresh, RUNS, {"simulation": first["id"], "ordering": "-created"})[0]
    clean = get_all(fresh, RUNS, {"simulation": second["id"], "ordering": "-created"})[0]
    assert newest["started_from"] == latest["id"]
    assert clean["started_from"] is None


def test_start_rebuild_and_clone_reject_bad_checkpoints(fresh):
    emu = fresh
    inactive = simulation_in_state(emu, "INACTIVE", with_deleted=True)
    active = simulation_in_state(emu, "ACTIVE", with_deleted=True)
    foreign = checkpoints_of(emu, active["id"], state="COMPLETE")[0]["id"]
    deleted = checkpoints_of(emu, inactive["id"], state="DELETED")[0]["id"]
    pending = get_all(emu, CHECKPOINTS, {"state": "PENDING"})[0]["id"]
    active_deleted = checkpoints_of(emu, active["id"], state="DELETED")[0]["id"]
    cases = [
        (inactive, "start", foreign, "detail"),
        (inactive, "start", deleted, "detail"),
        (inactive, "start", pending, "detail"),
        (inactive, "start", "not-a-uuid", "checkpoint"),
        (inactive, "start", str(uuid.uuid4()), "checkpoint"),
        (active, "rebuild", active_deleted, "detail"),
        (active, "rebuild", deleted, "detail"),
    ]

    for sim, name, checkpoint, field in cases:
        answer = action(emu, sim["id"], name, {"checkpoint": checkpoint})
        assert answer.status == 400 and field in answer.json(), (name, checkpoint, answer)
    for checkpoint in (foreign, deleted):
        body = {"simulation": inactive["id"], "checkpoint": checkpoint}
        answer = emu.request("POST", f"{SIMULATIONS}clone/", json_body=body)
        assert answer.status == 400 and "detail" in answer.json()


def test_rebuild_keeps_the_simulation_and_starts_a_new_run(fresh):
    sim = simulation_in_state(fresh, "ACTIVE")
    runs_before = len(get_all(fresh, RUNS, {"simulation": sim["id"]}))
    checkpoints_before = len(checkpoints_of(fresh, sim["id"]))

    answer = action(fresh, sim["id"], "rebuild", {"checkpoint": None})

    assert answer.status == 200 and answer.json()["state"] == "PREPARE_PURGE"
    runs = get_all(fresh, RUNS, {"simulation": sim["id"], "ordering": "-created"})
    assert len(runs) == runs_before + 1 and runs[0]["started_from"] is None
    assert len(checkpoints_of(fresh, sim["id"])) == checkpoints_before


def test_clone_copies_the_latest_complete_checkpoint(fresh):
    source = simulation_in_state(fresh, "INACTIVE")
    latest = checkpoints_of(fresh, source["id"], state="COMPLETE", ordering="-created")[0]

    answer = fresh.request("POST", f"{SIMULATIONS}clone/", json_body={"simulation": source["id"]})

    assert answer.status == 201
    clone = answer.json()
    assert clone["state"] == "CLONING" and clone["name"] == source["name"]
    assert clone["id"] != source["id"]
    copies = checkpoints_of(fresh, clone["id"])
    assert [(c["name"], c["state"]) for c in copies] == [(latest["name"], "COMPLETE")]


@pytest.mark.parametrize(
    "body",
    [{}, {"simulation": "nope"}, {"simulation": str(uuid.uuid4())}, {"attempt_start": "x"}],
)
def test_clone_validation_errors(emu, body):
    source = simulation_in_state(emu, "INACTIVE")
    if "attempt_start" in body:
        body = {"simulation": source["id"], **body}

    answer = emu.request("POST", f"{SIMULATIONS}clone/", json_body=body)

    assert answer.status == 400


# -- retention (§8.10) ---------------------------------------------------------------------


def retention_dataset(favorites):
    """One ACTIVE simulation with a running run and three COMPLETE checkpoints."""
    sim, run = str(uuid.uuid4()), str(uuid.uuid4())
    checkpoints = [
        {
            "id": str(uuid.uuid4()),
            "name": f"cp {n}",
            "favorite": favorite,
            "run": run,
            "state": "COMPLETE",
            "created": f"2025-0{n + 1}-01T00:00:00.000000Z",
        }
        for n, favorite in enumerate(favorites)
    ]
    return sim, {
        "simulations": [{"id": sim, "name": "retention", "state": "ACTIVE"}],
        "runs": [{"id": run, "simulation": sim, "started_at": "2025-01-01T00:00:00Z"}],
        "checkpoints": checkpoints,
    }


def states_after_shutdown(emu, favorites, **settings):
    sim, data = retention_dataset(favorites)
    emu.load(data=data)
    emu.settings(complete_after=0, **settings)

    assert action(emu, sim, "shutdown").status == 200
    items = checkpoints_of(emu, sim, ordering="created")
    return [(item["name"], item["state"]) for item in items]


def test_retention_deletes_the_oldest_non_favorite(custom):
    states = states_after_shutdown(custom, [True, False, False])

    assert [state for _name, state in states] == ["COMPLETE", "DELETED", "COMPLETE", "COMPLETE"]


def test_retention_deletes_the_oldest_favorite_when_all_are_favorites(custom):
    states = states_after_shutdown(custom, [True, True, True])

    assert [state for _name, state in states] == ["DELETED", "COMPLETE", "COMPLETE", "COMPLETE"]


def test_retention_can_protect_favorites_or_be_disabled(custom):
    protected = states_after_shutdown(custom, [True, True, True], protect_favorites=True)
    disabled = states_after_shutdown(custom, [False, False, False], auto_delete_limit=0)

    assert [state for _name, state in protected] == ["COMPLETE"] * 4
    assert [state for _name, state in disabled] == ["COMPLETE"] * 4
