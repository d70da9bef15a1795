# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checkpoint selection for air_checkpoint_info: server-side filters first, then the rest.

The API filters by one simulation, one run, one state, favorite and search per listing. Lists
of those become one listing per combination, merged and sorted here with the API's ordering
rule (id breaks ties, in the last key's direction). `name` and the `created` bounds have no
API filter and are applied while streaming, so raw pages are never held.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from ansible_collections.nvair.air.plugins.module_utils.air_client import AirError
from ansible_collections.nvair.air.plugins.module_utils.air_time import parse_timestamp
from ansible_collections.nvair.air.plugins.module_utils.checkpoints import (
    CHECKPOINTS_PATH,
    ORDERING_FIELDS,
    RUN_LOOKUPS_BEFORE_LISTING,
    STATES,
    RunIndex,
    checkpoint_path,
    prepare_checkpoint,
)

_TIME_FIELDS = ("created", "modified")
MAX_RUN_LOOKUPS_FOR_LIMIT = 20


def parse_ordering(text: str) -> list[tuple[str, bool]]:
    """Split "field,-field" into [(field, descending)]; ValueError names the bad term."""
    terms = [term.strip() for term in (text or "").split(",")]
    if not text or not all(terms):
        raise ValueError(f"ordering {text!r} has an empty term")
    parsed = []
    for term in terms:
        field = term[1:] if term.startswith("-") else term
        if field not in ORDERING_FIELDS:
            raise ValueError(
                f"ordering {text!r}: {term!r} is not a checkpoint ordering field; use "
                f"{', '.join(ORDERING_FIELDS)}, each optionally prefixed with '-' for "
                "descending, separated by commas"
            )
        parsed.append((field, term.startswith("-")))
    return parsed


def _timestamp(value):
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def _sort_value(checkpoint: dict, field: str):
    value = checkpoint.get(field)
    if field in _TIME_FIELDS:
        value = _timestamp(value)
    # None sorts first, and values of unexpected types never meet in a comparison.
    if value is None:
        return (0, "", "")
    if isinstance(value, datetime):
        return (1, "", value)
    if isinstance(value, bool):
        return (1, "", int(value))
    return (2, type(value).__name__, value)


def sort_checkpoints(checkpoints: list[dict], ordering: list[tuple[str, bool]]) -> None:
    """Sort in place like the API: the keys in turn, then id in the last key's direction."""
    checkpoints.sort(key=lambda c: str(c.get("id")), reverse=ordering[-1][1])
    for field, descending in reversed(ordering):
        checkpoints.sort(key=lambda c, f=field: _sort_value(c, f), reverse=descending)


def count_checkpoints(checkpoints: list[dict]) -> dict:
    counts = dict.fromkeys(STATES, 0)
    counts["favorite"] = 0
    for checkpoint in checkpoints:
        state = checkpoint.get("state")
        counts[state] = counts.get(state, 0) + 1
        if checkpoint.get("favorite") is True:
            counts["favorite"] += 1
    return counts


class Selection:
    """What to select. Ids and simulations are already resolved and validated."""

    def __init__(
        self,
        *,
        ids=None,
        simulations=None,
        runs=None,
        states=None,
        favorite=None,
        name=None,
        search=None,
        created_before=None,
        created_after=None,
        ordering="created",
        limit=None,
    ):
        self.ids = list(dict.fromkeys(ids or []))
        self.simulations = list(dict.fromkeys(simulations or []))
        self.runs = list(dict.fromkeys(runs or []))
        self.states = list(dict.fromkeys(states or []))
        self.favorite = favorite
        self.name = name
        self.search = search
        self.created_before = created_before
        self.created_after = created_after
        self.ordering_text = ordering
        self.ordering = parse_ordering(ordering)
        self.limit = limit

    def matches_locally(self, checkpoint: dict) -> bool:
        """The filters the API cannot apply (plus all of them for checkpoints fetched by id)."""
        if self.name is not None and checkpoint.get("name") != self.name:
            return False
        if self.created_before is not None or self.created_after is not None:
            created = _timestamp(checkpoint.get("created"))
            if created is None:
                return False
            if self.created_before is not None and created >= self.created_before:
                return False
            if self.created_after is not None and created <= self.created_after:
                return False
        return True

    def _matches_id_mode(self, checkpoint: dict) -> bool:
        if self.states and checkpoint.get("state") not in self.states:
            return False
        if self.favorite is not None and checkpoint.get("favorite") is not self.favorite:
            return False
        if self.runs and checkpoint.get("run") not in self.runs:
            return False
        if self.simulations and checkpoint.get("simulation") not in self.simulations:
            return False
        return self.matches_locally(checkpoint)

    def _has_local_filters(self) -> bool:
        return self.name is not None or self.created_before or self.created_after

    def _listing_params(self) -> list[dict]:
        """One parameter set per listing: the product of simulations, runs and states."""
        states = self.states
        if set(states) >= set(STATES):
            states = []  # every state: no filter at all
        common = {}
        if self.favorite is not None:
            common["favorite"] = "true" if self.favorite else "false"
        if self.search is not None:
            common["search"] = self.search
        elif self.name:
            # An exact name contains all of its own search terms, so the API narrows the
            # listing to a superset of the matches; the exact test happens locally.
            common["search"] = self.name
        listings = []
        for simulation, run, state in itertools.product(
            self.simulations or [None], self.runs or [None], states or [None]
        ):
            params = dict(common)
            for key, value in (("simulation", simulation), ("run", run), ("state", state)):
                if value is not None:
                    params[key] = value
            listings.append(params)
        return listings

    def _past_the_end(self, checkpoint: dict) -> bool:
        """True once a listing sorted by created has passed the created bound."""
        field, descending = self.ordering[0]
        if field != "created":
            return False
        created = _timestamp(checkpoint.get("created"))
        if created is None:
            return False
        if not descending and self.created_before is not None:
            return created >= self.created_before
        if descending and self.created_after is not None:
            return created <= self.created_after
        return False

    def fetch(self, client) -> tuple[list[dict], list[str]]:
        """Return (checkpoints, ids not found)."""
        if self.ids:
            return self._fetch_ids(client)
        return self._fetch_listings(client), []

    def _fetch_ids(self, client) -> tuple[list[dict], list[str]]:
        runs = RunIndex(client)
        found, missing = [], []
        for checkpoint_id in self.ids:
            try:
                raw = client.get(checkpoint_path(checkpoint_id))
            except AirError as err:
                if err.status == 404:
                    missing.append(checkpoint_id)
                    continue
                raise
            checkpoint = prepare_checkpoint(raw, runs.simulation_of(raw.get("run")))
            if self._matches_id_mode(checkpoint):
                found.append(checkpoint)
        sort_checkpoints(found, self.ordering)
        return found[: self.limit] if self.limit else found, missing

    def _fetch_listings(self, client) -> list[dict]:
        listings = self._listing_params()
        page_size = None
        if self.limit and len(listings) == 1 and not self._has_local_filters():
            page_size = min(self.limit, client.page_size)
        # Only needed when a listing is not restricted to one simulation. With a small limit,
        # fetching each run costs less than listing every run of the organisation.
        lookups = RUN_LOOKUPS_BEFORE_LISTING
        if self.limit:
            lookups = max(lookups, min(self.limit, MAX_RUN_LOOKUPS_FOR_LIMIT))
        runs = RunIndex(client, self.simulations or None, lookups_before_listing=lookups)

        selected, seen = [], set()
        for params in listings:
            taken = 0
            items = client.paginate(
                CHECKPOINTS_PATH, params, ordering=self.ordering_text, page_size=page_size
            )
            for raw in items:
                if self._past_the_end(raw):
                    break
                if not self.matches_locally(raw) or raw.get("id") in seen:
                    continue
                seen.add(raw.get("id"))
                simulation = params.get("simulation") or runs.simulation_of(raw.get("run"))
                selected.append(prepare_checkpoint(raw, simulation))
                taken += 1
                if self.limit and taken >= self.limit:
                    break
            items.close()

        if len(listings) > 1:
            sort_checkpoints(selected, self.ordering)
        return selected[: self.limit] if self.limit else selected
