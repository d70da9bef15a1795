# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checkpoint shape shared by every module, and the lookups it needs."""

from __future__ import annotations

import re
import sys
from urllib.parse import quote

from ansible_collections.nvair.air.plugins.module_utils.air_client import AirError

CHECKPOINTS_PATH = "simulations/runs/checkpoints/"
RUNS_PATH = "simulations/runs/"
SIMULATIONS_PATH = "simulations/"
STATES = ("PENDING", "COMPLETE", "DELETED")
# The list endpoint's ordering keys (contract section 3.1); "-" in front sorts descending.
ORDERING_FIELDS = ("created", "modified", "name", "run", "state", "favorite")
# Individual run GETs before RunIndex switches to one listing of all runs.
RUN_LOOKUPS_BEFORE_LISTING = 4
MAX_CANDIDATES = 10
# A listing of 100,000 checkpoints repeats a few hundred run and simulation ids and three
# states; sharing one string per value keeps air_checkpoint_info's memory down.
SHARED_FIELDS = ("run", "state", "simulation")
# Almost every checkpoint has empty metadata: one shared dict instead of 100,000 saves 6 MB.
# Safe only because nothing changes a prepared checkpoint; it goes straight into a result.
_EMPTY_METADATA: dict = {}

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(value) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def checkpoint_path(checkpoint_id: str) -> str:
    # Quoting keeps an odd id inside its own path segment instead of reaching another endpoint.
    return f"{CHECKPOINTS_PATH}{quote(str(checkpoint_id), safe='')}/"


def run_path(run_id: str) -> str:
    return f"{RUNS_PATH}{quote(str(run_id), safe='')}/"


def prepare_checkpoint(raw: dict, simulation_id: str | None) -> dict:
    """Every field the API returned, unchanged, plus `simulation` (the simulation id).

    Values repeated across checkpoints are shared objects, so never change one in place.
    """
    checkpoint = dict(raw)
    if simulation_id is not None or "simulation" not in checkpoint:
        checkpoint["simulation"] = simulation_id
    for key in SHARED_FIELDS:
        value = checkpoint.get(key)
        if value.__class__ is str:  # sys.intern refuses str subclasses
            checkpoint[key] = sys.intern(value)
    metadata = checkpoint.get("metadata")
    if metadata.__class__ is dict and not metadata:
        checkpoint["metadata"] = _EMPTY_METADATA
    return checkpoint


class RunIndex:
    """Maps run ids to simulation ids with as few requests as possible.

    The first few unknown runs are fetched one by one (cheap when a task touches a handful of
    checkpoints); after RUN_LOOKUPS_BEFORE_LISTING of them, one paged listing of all runs
    (restricted to `simulations` when given) loads the rest. A run still unknown after that
    (created since, or outside `simulations`) is fetched on its own. A run that no longer
    exists maps to None.
    """

    def __init__(self, client, simulations=None, lookups_before_listing=RUN_LOOKUPS_BEFORE_LISTING):
        self._client = client
        self._simulations = list(simulations) if simulations else None
        self._lookups_left = lookups_before_listing
        self._listed = False
        self._map: dict[str, str | None] = {}

    def remember(self, run_id: str, simulation_id: str | None) -> None:
        self._map[run_id] = simulation_id

    def simulation_of(self, run_id: str | None) -> str | None:
        if run_id is None:
            return None
        if run_id in self._map:
            return self._map[run_id]
        if not self._listed and self._lookups_left <= 0:
            self._load()
            if run_id in self._map:
                return self._map[run_id]
        self._lookups_left -= 1
        self._map[run_id] = self._fetch(run_id)
        return self._map[run_id]

    def _load(self) -> None:
        self._listed = True
        for simulation in self._simulations or [None]:
            params = {"simulation": simulation} if simulation else None
            for run in self._client.paginate(RUNS_PATH, params, ordering="created"):
                if isinstance(run, dict) and run.get("id"):
                    self._map[run["id"]] = run.get("simulation")

    def _fetch(self, run_id: str) -> str | None:
        try:
            run = self._client.get(run_path(run_id))
        except AirError as err:
            if err.status == 404:
                return None
            raise
        return run.get("simulation") if isinstance(run, dict) else None


def simulation_path(simulation_id: str) -> str:
    return f"{SIMULATIONS_PATH}{quote(str(simulation_id), safe='')}/"


def simulation_names(client, simulation_ids) -> dict:
    """Map each simulation id to its name, None for one the API no longer knows.

    One paged listing of the simulations the token can see, stopped once every id is found;
    an id the listing missed (created meanwhile, or shared differently) costs one GET.
    """
    wanted = {sim for sim in simulation_ids if sim}
    names: dict[str, str | None] = {}
    if not wanted:
        return names
    items = client.paginate(SIMULATIONS_PATH, ordering="name")
    for simulation in items:
        if isinstance(simulation, dict) and simulation.get("id") in wanted:
            names[simulation["id"]] = simulation.get("name")
            if len(names) == len(wanted):
                break
    items.close()
    for simulation_id in sorted(wanted - names.keys()):
        try:
            simulation = client.get(simulation_path(simulation_id))
        except AirError as err:
            if err.status == 404:
                names[simulation_id] = None
                continue
            raise
        names[simulation_id] = simulation.get("name") if isinstance(simulation, dict) else None
    return names


def resolve_simulation(client, value: str) -> str:
    """Return a simulation id for a simulation id or exact (case-sensitive) simulation name.

    A value shaped like a UUID is taken as an id (lowercased, as the API writes ids) without a
    request. A name is searched with the API's `search` filter and must match exactly one
    simulation; otherwise AirError lists the close candidates or the clashing ids.
    """
    if not isinstance(value, str) or not value.strip():
        raise AirError("simulation must be a simulation id or name, got an empty value")
    if is_uuid(value):
        return value.lower()

    exact: list[dict] = []
    similar: list[str] = []
    for simulation in client.paginate(SIMULATIONS_PATH, {"search": value}, ordering="name"):
        name = simulation.get("name")
        if name == value:
            exact.append(simulation)
        elif (
            isinstance(name, str)
            and value.lower() in name.lower()
            and len(similar) < MAX_CANDIDATES
        ):
            similar.append(name)

    if len(exact) == 1:
        return exact[0]["id"]
    if exact:
        ids = ", ".join(str(s.get("id")) for s in exact)
        raise AirError(
            f"simulation name {value!r} matches {len(exact)} simulations ({ids}); pass the "
            "simulation id instead of the name"
        )
    hint = f" Similar names: {', '.join(repr(n) for n in similar)}." if similar else ""
    raise AirError(
        f"No simulation is named exactly {value!r} (names are case-sensitive).{hint} Pass an "
        "existing simulation name or id"
    )
