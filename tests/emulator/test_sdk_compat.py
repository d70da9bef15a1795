"""The official nv-air-sdk (a test-only peer) works against the emulator unchanged.

Skipped unless `air_sdk` is importable, e.g. in a venv with `pip install nv-air-sdk pytest`.
"""

import pytest

air_sdk = pytest.importorskip("air_sdk")


@pytest.fixture
def api(fresh):
    fresh.settings(complete_after=0)
    return air_sdk.AirApi.with_api_key(api_key=fresh.token, api_url=fresh.root_url)


def test_sdk_lists_pages_and_parses_every_checkpoint(api, fresh):
    listed = list(api.checkpoints.list(limit=200))

    assert len(listed) == fresh.request("GET", "simulations/runs/checkpoints/").json()["count"]
    assert all(cp.created.tzinfo is not None for cp in listed)


def test_sdk_updates_and_deletes_a_checkpoint(api):
    checkpoint = next(iter(api.checkpoints.list(state="COMPLETE", limit=5)))

    checkpoint.update(name="renamed by the SDK", favorite=True)
    checkpoint_id = checkpoint.id
    checkpoint.delete()

    after = api.checkpoints.get(checkpoint_id)
    assert (after.name, after.favorite, after.state) == ("renamed by the SDK", True, "DELETED")


def test_sdk_simulation_actions(api):
    simulations = list(api.simulations.list(limit=100))
    active = next(sim for sim in simulations if sim.state == "ACTIVE")
    inactive = next(sim for sim in simulations if sim.state == "INACTIVE")

    active.shutdown()
    saved = sorted(active.checkpoints.list(), key=lambda cp: cp.created)[-1]
    active.refresh()
    active.start(checkpoint=saved)
    clone = api.simulations.clone(simulation=inactive)

    assert saved.state == "COMPLETE"
    assert api.simulations.get(active.id).state == "ACTIVE"
    assert clone.state == "CLONING" and clone.name == inactive.name


def test_sdk_retries_a_429_with_retry_after(api, fresh):
    fresh.fault(kind="status", status=429, retry_after=0, count=1, method="GET")

    checkpoint = next(iter(api.checkpoints.list(limit=1)))

    assert checkpoint.id
    assert fresh.counters()["by_status"]["429"] == 1
