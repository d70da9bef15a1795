# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What air_checkpoint does to checkpoints: compare, PATCH, DELETE, wait, and the list form.

No Ansible imports: the module turns the outcomes below into exit_json/fail_json, and the unit
tests drive these functions directly against a mocked API.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ansible_collections.nvair.air.plugins.module_utils.air_client import AirError
from ansible_collections.nvair.air.plugins.module_utils.air_time import parse_timestamp
from ansible_collections.nvair.air.plugins.module_utils.checkpoints import (
    CHECKPOINTS_PATH,
    RunIndex,
    checkpoint_path,
    is_uuid,
    prepare_checkpoint,
)

NAME_MAX_LENGTH = 128
WAIT_FIRST_DELAY = 2.0
WAIT_MAX_DELAY = 10.0
STATUSES = ("changed", "ok", "skipped", "failed")
# Measured in benchmarks/retention_compare.py: with 20 ms per request, 16 in flight make a
# 10,000-item deletion about 6 times faster than one request at a time; 8 made it 3.7 times.
DEFAULT_CONCURRENCY = 16

FAVORITE_REFUSED = "favorite; set force: true to delete favorites"
NOT_CREATABLE = "the API cannot create checkpoints (they come from shutting a simulation down)"
RACE_SKIPPED = "changed since it was listed"
# Items of one simulation re-read with one listing; bounds how old that listing can get.
REREAD_BATCH = 100


@dataclass
class Desired:
    """The task's wish, shared by both forms."""

    state: str = "present"
    name: str | None = None
    favorite: bool | None = None
    force: bool = False
    wait: bool = False
    wait_timeout: float = 600
    check_mode: bool = False


@dataclass
class Outcome:
    """What happened to one checkpoint. `before`/`after` hold the changed fields only."""

    status: str
    msg: str
    checkpoint: dict | None = None
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    failure: dict | None = None

    @property
    def changed(self):
        return self.status == "changed"


class WaitTimeout(Exception):
    def __init__(self, checkpoint, timeout):
        super().__init__(
            f"checkpoint {checkpoint.get('id')} was still {checkpoint.get('state')} after "
            f"waiting {timeout:g} seconds (wait_timeout)"
        )
        self.checkpoint = checkpoint


class Waiter:
    """Polls a PENDING checkpoint until it settles; clock and sleep are swappable for tests."""

    def __init__(self, sleep=None, clock=None):
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic

    def until_settled(self, client, checkpoint, timeout):
        """Return the checkpoint once it is no longer PENDING, or None if it disappeared."""
        deadline = self.clock() + timeout
        delay = WAIT_FIRST_DELAY
        current = checkpoint
        while current.get("state") == "PENDING":
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise WaitTimeout(current, timeout)
            self.sleep(min(delay, remaining))
            delay = min(delay * 2, WAIT_MAX_DELAY)
            latest = fetch_checkpoint(client, current["id"])
            if latest is None:
                return None
            current = latest
        return current


def name_problem(name, option="name"):
    """Names longer than the API allows fail before any request; Python characters count."""
    if name is not None and len(name) > NAME_MAX_LENGTH:
        return (
            f"{option} is {len(name)} characters long; the API allows at most "
            f"{NAME_MAX_LENGTH}: {name[:40]!r}..."
        )
    return None


def fetch_checkpoint(client, checkpoint_id):
    """GET one checkpoint; None when the API answers 404."""
    try:
        return client.get(checkpoint_path(checkpoint_id))
    except AirError as err:
        if err.status == 404:
            return None
        raise


def find_by_name(client, simulation_id, name):
    """The one live (not DELETED) checkpoint of a simulation with exactly this name.

    Returns (checkpoint or None, number of DELETED checkpoints with the name). Several live
    ones raise ValueError listing them, because acting on an arbitrary one would be a guess.
    """
    matches = [
        raw
        for raw in client.paginate(CHECKPOINTS_PATH, {"simulation": simulation_id})
        if raw.get("name") == name
    ]
    live = [raw for raw in matches if raw.get("state") != "DELETED"]
    if len(live) > 1:
        listed = ", ".join(f"{raw.get('id')} (created {raw.get('created')})" for raw in live)
        raise ValueError(
            f"{len(live)} checkpoints of simulation {simulation_id} are named {name!r}: "
            f"{listed}; set id to choose one"
        )
    return (live[0] if live else None), len(matches) - len(live)


def simulation_of(client, raw, known=None):
    """The simulation id for the result shape; costs one GET of the run when not known."""
    if known or not raw:
        return known
    return RunIndex(client).simulation_of(raw.get("run"))


def update_body(current, desired):
    """One PATCH body holding only the options the user set that differ from the server."""
    body = {}
    if desired.name is not None and current.get("name") != desired.name:
        body["name"] = desired.name
    if desired.favorite is not None and current.get("favorite") != desired.favorite:
        body["favorite"] = desired.favorite
    return body


def ensure_present(client, current, desired, waiter):
    cid = current.get("id")
    if current.get("state") == "DELETED":
        return Outcome("failed", f"checkpoint {cid} is DELETED; {NOT_CREATABLE}", current)

    # PATCH is allowed on PENDING (§8.5); waiting only matters to users who asked for it.
    # Check mode never waits: the prediction does not depend on the state.
    if desired.wait and current.get("state") == "PENDING" and not desired.check_mode:
        current = waiter.until_settled(client, current, desired.wait_timeout)
        if current is None:
            return Outcome("failed", f"checkpoint {cid} disappeared while waiting")
        if current.get("state") == "DELETED":
            return Outcome("failed", f"checkpoint {cid} was DELETED while waiting", current)

    body = update_body(current, desired)
    if not body:
        return Outcome("ok", f"checkpoint {cid} is already as requested", current)

    before = {key: current.get(key) for key in body}
    fields = " and ".join(body)
    if desired.check_mode:
        return Outcome("changed", f"would update {fields}", {**current, **body}, before, body)

    answer = client.patch(checkpoint_path(cid), body)
    after = {key: answer.get(key) for key in body}
    return Outcome("changed", f"updated {fields}", answer, before, after)


def ensure_absent(client, current, desired, waiter, refresh=True):
    """Delete a COMPLETE checkpoint; `refresh` re-reads it afterwards for the result."""
    if current is None:
        return Outcome("ok", "not found; nothing to delete")
    cid = current.get("id")
    state = current.get("state")
    if state == "DELETED":
        return Outcome("ok", f"checkpoint {cid} is already DELETED", current)
    if current.get("favorite") and not desired.force:
        return Outcome("failed", f"checkpoint {cid} is a {FAVORITE_REFUSED}", current)

    if state == "PENDING":
        if not desired.wait:
            return Outcome(
                "failed",
                f"checkpoint {cid} is PENDING (still being saved) and only COMPLETE checkpoints "
                "can be deleted; set wait: true to wait for it to become COMPLETE",
                current,
            )
        if desired.check_mode:
            return _deleted_outcome(
                "would wait for it to become COMPLETE, then delete it", current, state
            )
        latest = waiter.until_settled(client, current, desired.wait_timeout)
        return ensure_absent(client, latest, replace(desired, wait=False), waiter, refresh)

    if state != "COMPLETE":
        return Outcome(
            "failed", f"checkpoint {cid} is in unknown state {state!r}; not deleting it", current
        )
    if desired.check_mode:
        return _deleted_outcome(f"would delete checkpoint {cid}", current, state)

    try:
        client.delete(checkpoint_path(cid))
    except AirError as err:
        # A DELETE whose answer was lost and got retried meets a DELETED checkpoint and the
        # API refuses it with 400 (§8.1); the GET below tells that apart from a real refusal.
        if err.status not in (400, 404):
            raise
        latest = fetch_checkpoint(client, cid)
        if latest is None:
            return Outcome("ok", f"checkpoint {cid} disappeared before it could be deleted")
        if latest.get("state") != "DELETED":
            raise err
        return _deleted_outcome(f"deleted checkpoint {cid}", latest, state)

    latest = fetch_checkpoint(client, cid) if refresh else None
    return _deleted_outcome(f"deleted checkpoint {cid}", latest or current, state)


def _deleted_outcome(msg, checkpoint, old_state):
    return Outcome(
        "changed",
        msg,
        {**checkpoint, "state": "DELETED"},
        {"state": old_state},
        {"state": "DELETED"},
    )


def run_single(client, desired, checkpoint_id=None, simulation_id=None, waiter=None):
    """The single form. Returns (Outcome, prepared checkpoint or {})."""
    waiter = waiter or Waiter()
    if checkpoint_id is not None:
        current = fetch_checkpoint(client, checkpoint_id)
        missing = f"checkpoint {checkpoint_id} was not found"
    else:
        try:
            current, deleted = find_by_name(client, simulation_id, desired.name)
        except ValueError as err:
            return Outcome("failed", str(err)), {}
        missing = f"simulation {simulation_id} has no checkpoint named {desired.name!r}"
        if deleted:
            missing += f" (only {deleted} DELETED)"
        # The name selected the checkpoint; it is not a new name to compare.
        desired = replace(desired, name=None)

    try:
        if desired.state == "absent":
            outcome = ensure_absent(client, current, desired, waiter)
            if current is None:
                outcome.msg = f"{missing}; nothing to delete"
        elif current is None:
            outcome = Outcome("failed", f"{missing}; {NOT_CREATABLE}")
        else:
            outcome = ensure_present(client, current, desired, waiter)
    except WaitTimeout as err:
        outcome = Outcome("failed", str(err), err.checkpoint)

    raw = outcome.checkpoint
    shaped = prepare_checkpoint(raw, simulation_of(client, raw, simulation_id)) if raw else {}
    return outcome, shaped


@dataclass
class Item:
    id: str
    modified: str | None = None
    # Lets the list form re-read the item with its simulation's listing (see reread_batches).
    simulation: str | None = None


def parse_items(raw_items):
    """Validate the `checkpoints` option before any request; repeated ids are kept once.

    Returns (items, problems); `problems` name each bad element as checkpoints[i].
    """
    items, problems, seen = [], [], set()
    for index, raw in enumerate(raw_items):
        where = f"checkpoints[{index}]"
        modified = simulation = None
        if isinstance(raw, dict):
            cid = raw.get("id")
            modified = raw.get("modified")
            # Only a hint for batching the re-read: anything but an id means "read it alone".
            simulation = raw.get("simulation")
            if not (isinstance(simulation, str) and is_uuid(simulation)):
                simulation = None
            if modified is not None and not (isinstance(modified, str) and _parses(modified)):
                problems.append(f"{where}.modified is not a timestamp: {modified!r}")
                continue
        elif isinstance(raw, str):
            cid = raw
        else:
            problems.append(f"{where} must be a checkpoint id or a dict with 'id', got {raw!r}")
            continue
        if not isinstance(cid, str) or not is_uuid(cid):
            problems.append(f"{where} is not a checkpoint id (UUID): {cid!r}")
            continue
        if cid.lower() in seen:
            continue
        seen.add(cid.lower())
        items.append(Item(cid, modified, simulation))
    return items, problems


def _parses(text):
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True


def same_time(listed, current):
    """`modified` values compare as instants, so an equal time written differently matches."""
    if listed == current:
        return True
    try:
        return parse_timestamp(listed) == parse_timestamp(current)
    except (TypeError, ValueError):
        return False


def process_item(client, item, desired, waiter, current=None):
    """Act on one list item; `current` is its copy from a fresh listing, else it is read."""
    if current is None:
        current = fetch_checkpoint(client, item.id)
    if current is None:
        if desired.state == "absent":
            return Outcome("ok", "not found; nothing to delete")
        return Outcome("failed", f"not found; {NOT_CREATABLE}")
    if desired.state == "absent" and current.get("state") == "DELETED":
        return Outcome("ok", "already DELETED", current)
    if item.modified is not None and not same_time(item.modified, current.get("modified")):
        return Outcome(
            "skipped",
            f"{RACE_SKIPPED} (modified {item.modified}, now {current.get('modified')})",
            current,
        )
    if desired.state == "absent":
        return ensure_absent(client, current, desired, waiter, refresh=False)
    return ensure_present(client, current, desired, waiter)


@dataclass
class Batch:
    """List items re-read together: one listing of `simulation`, or one GET each when None."""

    simulation: str | None
    entries: list  # (position in the input, Item)


def reread_batches(items, size=None):
    """Split the list form's items into batches, each simulation's in input order.

    An item that names its simulation (as air_checkpoint_info's results and the retention
    plans do) is re-read from one listing of that simulation's COMPLETE checkpoints, taken
    just before the batch's items are acted on: one request per batch instead of one GET per
    item. A batch holds at most `size` items; run_many reads the next batch while one runs, so
    no item acts on a listing older than the time two batches take. Items without a simulation
    are read one by one.
    """
    size = size or REREAD_BATCH
    by_simulation: dict = {}
    alone = []
    for position, item in enumerate(items):
        if item.simulation:
            by_simulation.setdefault(item.simulation.lower(), []).append((position, item))
        else:
            alone.append((position, item))
    batches = [
        Batch(simulation, entries[start : start + size])
        for simulation, entries in by_simulation.items()
        for start in range(0, len(entries), size)
    ]
    if alone:
        batches.append(Batch(None, alone))
    return batches


def reread(client, batch):
    """The batch's checkpoints as a fresh listing shows them, by lower-case id.

    Only COMPLETE ones are listed: DELETED checkpoints pile up in a simulation and would cost
    pages, and an item missing here (deleted, still PENDING, gone, or not of this simulation
    after all) is read on its own, so the listing can only save requests, never change an
    outcome. A listing that fails leaves every item of the batch to be read on its own.
    """
    if batch.simulation is None:
        return {}
    wanted = {item.id.lower() for _position, item in batch.entries}
    try:
        return {
            raw["id"].lower(): raw
            for raw in client.paginate(
                CHECKPOINTS_PATH, {"simulation": batch.simulation, "state": "COMPLETE"}
            )
            if isinstance(raw, dict) and str(raw.get("id", "")).lower() in wanted
        }
    except Exception:  # the items' own reads report whatever went wrong
        return {}


def run_many(client, items, desired, concurrency=DEFAULT_CONCURRENCY, waiter=None):
    """The list form: every item is processed and reported, whatever happens to the others.

    Returns {"results", "summary", "diff", "changed"}, results in the order of `items`;
    entries stay small ({id, name, status, msg} plus `failure` for API errors) so ten thousand
    items make a modest result.

    The pool re-reads each batch while the items of the batch before it run. A slot is taken
    per item and per listing, so at most `concurrency` requests are in flight, and an item is
    checked against a listing taken at most two batches before its own request.
    """
    waiter = waiter or Waiter()
    concurrency = max(1, concurrency)
    stop = threading.Event()
    stop_reason = []

    def outcome_of(item, current):
        if stop.is_set():
            return Outcome("failed", f"not attempted: {stop_reason[0]}")
        try:
            return process_item(client, item, desired, waiter, current)
        except WaitTimeout as err:
            return Outcome("failed", str(err), err.checkpoint)
        except AirError as err:
            # A token or scope problem fails every item the same way; stop asking.
            if err.status in (401, 403) and not stop.is_set():
                stop_reason.append(str(err))
                stop.set()
            return Outcome("failed", str(err), failure=err.to_dict())
        except Exception as err:  # one broken answer must not hide the other results
            return Outcome("failed", f"unexpected error: {type(err).__name__}: {err}")

    def work(item, current):
        # Reduced to the small entry here, so whole checkpoints are not kept for every item.
        outcome = outcome_of(item, current)
        entry = {
            "id": item.id,
            "name": (outcome.checkpoint or {}).get("name"),
            "status": outcome.status,
            "msg": outcome.msg,
        }
        if outcome.failure:
            entry["failure"] = outcome.failure
        return entry, outcome.before, outcome.after

    done = [None] * len(items)
    slots = threading.BoundedSemaphore(concurrency)

    def finished(_future):
        slots.release()

    def submit(pool, function, *args):
        # Listings and items alike take a slot: concurrency bounds every request in flight.
        slots.acquire()
        future = pool.submit(function, *args)
        future.add_done_callback(finished)
        return future

    def listing_of(batch):
        return {} if stop.is_set() else reread(client, batch)

    batches = reread_batches(items)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = []
        # The next batch is re-read while this one's items run, so the pool does not stand idle
        # for a listing's round trip; no item acts on a listing older than two batches.
        upcoming = submit(pool, listing_of, batches[0]) if batches else None
        for index, batch in enumerate(batches):
            listed = upcoming.result()
            if index + 1 < len(batches):
                upcoming = submit(pool, listing_of, batches[index + 1])
            for position, item in batch.entries:
                future = submit(pool, work, item, listed.get(item.id.lower()))
                futures.append((position, future))
        for position, future in futures:
            done[position] = future.result()

    results = []
    summary = dict.fromkeys(STATUSES, 0)
    before, after = {}, {}
    for entry, changed_from, changed_to in done:
        results.append(entry)
        summary[entry["status"]] += 1
        if entry["status"] == "changed":
            before[entry["id"]] = changed_from
            after[entry["id"]] = changed_to
    summary["total"] = len(items)
    return {
        "results": results,
        "summary": summary,
        "diff": {"before": before, "after": after},
        "changed": summary["changed"] > 0,
    }


def summary_msg(summary):
    counts = ", ".join(f"{summary[status]} {status}" for status in STATUSES)
    return f"{counts} of {summary['total']} checkpoints"
