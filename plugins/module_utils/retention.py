# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which checkpoints a retention policy or a cleanup run deletes, and why.

Pure functions over checkpoint dicts in the shape ``air_checkpoint_info`` returns (``id``,
``name``, ``favorite``, ``run``, ``state``, ``created``, ``modified``, ``simulation``). Nothing
here talks HTTP or imports Ansible, so the filters, the roles' tests and the benchmarks share
one implementation.

Both planners return a plan of the same outline::

    {
      "kind": "retention" | "cleanup",
      "policy": {...the validated inputs, timestamps in UTC...},
      "simulations": [            # sorted by simulation id
        {"simulation": ID, "name": NAME, "kept": [KEPT, ...], "deleted": [DROP, ...], ...},
      ],
      "delete": [DELETE, ...],    # every DROP of all simulations, in the order above
      "totals": {...},
    }

``NAME`` is the simulation's name from the optional ``simulation_names`` mapping (id to name,
as ``air_checkpoint_info`` returns it with ``simulation_names: true``), or None when unknown.
``KEPT`` is ``{id, name, created, favorite, reason}`` and ``DROP`` is ``{id, name, created,
reason}``: what a reader needs. Within a simulation both lists run newest first.

``DELETE`` is ``{id, simulation, modified}``, what ``air_checkpoint`` needs in its
``checkpoints`` option: it uses ``modified`` to refuse a checkpoint that changed after the plan
was made, and ``simulation`` to re-read a simulation's checkpoints with one listing. It holds
nothing more because in a role every value of the plan costs time: ansible-core 2.19 and later
template each value again when the plan is stored, and again when the list is passed to the
module (about 10 microseconds a value; 9,000 deletions with the reader's fields twice over
took 1 s more).

"Newest" compares ``created`` as a point in time (offsets honoured, any fraction length), never
as text. Two checkpoints created at the same instant are ordered by ``id``: the larger id
counts as the newer one, which matches the API's ``ordering=created`` tie-break on ``id``.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import datetime, timedelta, timezone

from ansible_collections.nvair.air.plugins.module_utils.air_time import (
    format_timestamp,
    parse_age,
    parse_point_in_time,
    parse_timestamp,
)

STATES = ("PENDING", "COMPLETE", "DELETED")

_DIGITS = re.compile(r"[0-9]+")


class RetentionError(ValueError):
    """An input the planners cannot work with; the message names the option and the fix."""


# -- input validation -------------------------------------------------------------------------


def validate_keep(value) -> int:
    """Return ``keep`` as an int >= 0.

    Python's ``True`` is an int, and a playbook's ``keep: yes`` would otherwise quietly mean 1,
    so booleans are refused. A string of digits is accepted because ``-e keep=3`` arrives as text.
    """
    if isinstance(value, bool):
        raise RetentionError(
            f"keep must be a whole number of checkpoints (0 or more), got the boolean {value!r}; "
            "write a number such as 3"
        )
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise RetentionError(
            f"keep must be a whole number of checkpoints (0 or more), got {value!r} "
            f"({type(value).__name__})"
        )
    if number < 0:
        raise RetentionError(f"keep must be 0 or more, got {number}")
    return number


def validate_now(now) -> datetime:
    """``now`` as an aware UTC datetime; None means the current time."""
    if now is None:
        return datetime.now(timezone.utc)
    if isinstance(now, str):
        try:
            return parse_timestamp(now)
        except ValueError as err:
            raise RetentionError(f"now must be an ISO-8601 timestamp, got {now!r}: {err}") from None
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise RetentionError("now must carry a time zone (for example UTC), got a naive one")
        return now.astimezone(timezone.utc)
    raise RetentionError(f"now must be a datetime or an ISO-8601 string, got {now!r}")


def validate_min_age(value) -> timedelta | None:
    """``min_age`` as a timedelta, or None when unset.

    Accepts a timedelta, an age string such as ``"36h"`` or ``"1d12h"``, or a number of
    seconds. An empty string means unset, so a role default of ``""`` turns the guard off.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RetentionError(f"min_age must be an age such as '1d' or '12h', got {value!r}")
    if isinstance(value, timedelta):
        age = value
    elif isinstance(value, (int, float)):
        age = timedelta(seconds=value)
    elif isinstance(value, str):
        try:
            age = parse_age(value)
        except ValueError as err:
            raise RetentionError(
                f"min_age must be an age such as '1d', '12h' or '1d12h', got {value!r}: {err}"
            ) from None
    else:
        raise RetentionError(f"min_age must be an age such as '1d' or '12h', got {value!r}")
    if age < timedelta(0):
        raise RetentionError(f"min_age must not be negative, got {value!r}")
    return age


def _id_list(value, option) -> list[str] | None:
    """A list of ids from a list or a single string; None when unset or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise RetentionError(f"{option} must be a list of ids, got {value!r}")
    ids = []
    for item in value:
        if not isinstance(item, str) or not item:
            raise RetentionError(f"{option} must hold non-empty id strings, got {item!r}")
        ids.append(item)
    return sorted(set(ids)) or None


def _validate_names(value) -> dict:
    """The id-to-name mapping; unset means no names, never an error in the plan's counts."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise RetentionError(
            "simulation_names must map simulation ids to names (the 'simulations' result of "
            f"air_checkpoint_info with simulation_names: true), got {type(value).__name__}"
        )
    return {key: name if isinstance(name, str) and name else None for key, name in value.items()}


def _validate_checkpoints(checkpoints) -> list[dict]:
    if checkpoints is None:
        return []
    if not isinstance(checkpoints, (list, tuple)):
        raise RetentionError(
            "the input must be the list of checkpoints from air_checkpoint_info "
            f"(its 'checkpoints' result), got {type(checkpoints).__name__}"
        )
    latest: dict = {}
    for item in checkpoints:
        if not isinstance(item, dict) or not item.get("id"):
            raise RetentionError(f"every checkpoint must be a dict with an 'id', got {item!r}")
        # Merged listings (several states or simulations) can hold one checkpoint twice; counted
        # twice it would take two of the keep places, so only its latest version stays.
        seen = latest.get(item["id"])
        if seen is None or _modified_at(item) >= _modified_at(seen):
            latest[item["id"]] = item
    return list(latest.values())


def _modified_at(checkpoint) -> datetime:
    try:
        return parse_timestamp(checkpoint.get("modified"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)


def _created_at(checkpoint) -> datetime:
    try:
        return parse_timestamp(checkpoint.get("created"))
    except (TypeError, ValueError) as err:
        # Refusing the whole plan is safer than guessing where this checkpoint sorts.
        raise RetentionError(
            f"checkpoint {checkpoint['id']} has a created timestamp that cannot be read "
            f"({checkpoint.get('created')!r}): {err}"
        ) from None


def _newest_first(checkpoints) -> list[dict]:
    return sorted(checkpoints, key=lambda cp: (_created_at(cp), cp["id"]), reverse=True)


def _kept(cp, reason) -> dict:
    return {
        "id": cp["id"],
        "name": cp.get("name"),
        "created": cp.get("created"),
        "favorite": bool(cp.get("favorite")),
        "reason": reason,
    }


def _deleted(cp, reason) -> dict:
    return {"id": cp["id"], "name": cp.get("name"), "created": cp.get("created"), "reason": reason}


def _delete(cp) -> dict:
    return {"id": cp["id"], "simulation": cp.get("simulation"), "modified": cp.get("modified")}


def _group(checkpoints, scope) -> dict:
    """Checkpoints by simulation id; every simulation in scope appears, even when empty."""
    groups: dict = {sim: [] for sim in scope or ()}
    for cp in checkpoints:
        groups.setdefault(cp.get("simulation"), []).append(cp)
    return groups


def _sorted_simulations(groups):
    # A checkpoint whose run could not be tied to a simulation groups under None, listed last.
    return sorted(groups, key=lambda sim: (sim is None, sim or ""))


def _age_text(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


# -- retention --------------------------------------------------------------------------------


def plan_retention(
    checkpoints,
    keep,
    *,
    favorites_count_toward_keep=False,
    min_age=None,
    now=None,
    simulations=None,
    simulation_names=None,
) -> dict:
    """Plan keeping the newest ``keep`` COMPLETE checkpoints of every simulation.

    Rules, applied to each simulation on its own:

    - Only COMPLETE checkpoints are ever deleted. PENDING ones (still being saved) and any
      state this code does not know are left alone; DELETED ones are already gone. Both are
      counted, never listed.
    - Favorites are always kept. By default they do not use up ``keep``: the newest ``keep``
      non-favorites are kept as well. With ``favorites_count_toward_keep`` every favorite takes
      one of the ``keep`` places, so only ``keep - favorites`` non-favorites (at least 0) stay.
    - With ``min_age``, a checkpoint created less than ``min_age`` before ``now`` is never
      deleted; one exactly ``min_age`` old may be.
    - Checkpoints with no ``simulation`` (their run could not be resolved) cannot be grouped;
      they are never deleted and are reported under ``unresolved``.

    ``simulations`` limits the plan to those simulation ids (None means every simulation in the
    input); each one appears in the plan even when it has no checkpoints. Beyond the outline in
    the module docstring, each simulation entry carries ``complete``, ``pending``,
    ``already_deleted``, ``ignored`` (pending + already deleted + other states) and
    ``protected_by_min_age``. ``simulation_names`` (id to name) fills each entry's ``name``.
    """
    keep = validate_keep(keep)
    if not isinstance(favorites_count_toward_keep, bool):
        raise RetentionError(
            "favorites_count_toward_keep must be true or false, "
            f"got {favorites_count_toward_keep!r}"
        )
    age = validate_min_age(min_age)
    now = validate_now(now)
    scope = _id_list(simulations, "simulations")
    names = _validate_names(simulation_names)
    checkpoints = _validate_checkpoints(checkpoints)

    unresolved = [cp["id"] for cp in checkpoints if not cp.get("simulation")]
    in_scope = [
        cp
        for cp in checkpoints
        if cp.get("simulation") and (scope is None or cp.get("simulation") in scope)
    ]
    groups = _group(in_scope, scope)
    cutoff = now - age if age is not None else None

    entries, delete = [], []
    for sim in _sorted_simulations(groups):
        entry, doomed = _retain_one(groups[sim], keep, favorites_count_toward_keep, cutoff)
        entries.append({"simulation": sim, "name": names.get(sim), **entry})
        delete += (_delete(cp) for cp in doomed)

    return {
        "kind": "retention",
        "policy": {
            "keep": keep,
            "favorites_count_toward_keep": favorites_count_toward_keep,
            "min_age": _age_text(age) if age is not None else None,
            "now": format_timestamp(now),
            "simulations": scope,
        },
        "simulations": entries,
        "delete": delete,
        "unresolved": sorted(unresolved) if scope is None else [],
        "totals": {
            "simulations": len(entries),
            "checkpoints": len(in_scope),
            "complete": sum(e["complete"] for e in entries),
            "kept": sum(len(e["kept"]) for e in entries),
            "delete": len(delete),
            "favorites_kept": sum(1 for e in entries for k in e["kept"] if k["favorite"]),
            "protected_by_min_age": sum(e["protected_by_min_age"] for e in entries),
            "pending_ignored": sum(e["pending"] for e in entries),
            "deleted_ignored": sum(e["already_deleted"] for e in entries),
            "ignored": sum(e["ignored"] for e in entries),
            "unresolved": len(unresolved) if scope is None else 0,
        },
    }


def _retain_one(checkpoints, keep, favorites_count, cutoff) -> tuple[dict, list[dict]]:
    complete = _newest_first(cp for cp in checkpoints if cp.get("state") == "COMPLETE")
    favorites = [cp for cp in complete if cp.get("favorite")]
    others = [cp for cp in complete if not cp.get("favorite")]
    slots = max(0, keep - len(favorites)) if favorites_count else keep

    if favorites_count:
        keep_reason = (
            f"one of the newest {slots} non-favorites (favorites count toward keep {keep})"
        )
        drop_reason = (
            f"older than the newest {slots} non-favorites; "
            f"{len(favorites)} favorite(s) count toward keep {keep}"
        )
    else:
        keep_reason = f"one of the newest {keep}"
        drop_reason = f"older than the newest {keep}" if keep else "keep is 0"

    kept_ids = {cp["id"]: "favorite" for cp in favorites}
    protected = 0
    for rank, cp in enumerate(others, start=1):
        if rank <= slots:
            kept_ids[cp["id"]] = keep_reason
        elif cutoff is not None and _created_at(cp) > cutoff:
            protected += 1
            kept_ids[cp["id"]] = "younger than min_age"

    # Both lists follow creation time, so favorites sit among the others where they belong.
    kept = [_kept(cp, kept_ids[cp["id"]]) for cp in complete if cp["id"] in kept_ids]
    doomed = [cp for cp in complete if cp["id"] not in kept_ids]

    pending = sum(1 for cp in checkpoints if cp.get("state") == "PENDING")
    already_deleted = sum(1 for cp in checkpoints if cp.get("state") == "DELETED")
    entry = {
        "complete": len(complete),
        "kept": kept,
        "deleted": [_deleted(cp, drop_reason) for cp in doomed],
        "pending": pending,
        "already_deleted": already_deleted,
        "ignored": len(checkpoints) - len(complete),
        "protected_by_min_age": protected,
    }
    return entry, doomed


# -- cleanup ----------------------------------------------------------------------------------


def _validate_patterns(value) -> list[str] | None:
    if value is None or value == "" or value == []:
        return None
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, (list, tuple)) or not all(
        isinstance(p, str) and p for p in patterns
    ):
        raise RetentionError(
            f"name_pattern must be a glob such as 'nightly-*' or a list of them, got {value!r}"
        )
    return list(patterns)


def _validate_states(value) -> list[str]:
    states = [value] if isinstance(value, str) else value
    if not isinstance(states, (list, tuple)) or not states:
        raise RetentionError(f"states must be a non-empty list out of {', '.join(STATES)}")
    result = []
    for state in states:
        if not isinstance(state, str) or state.upper() not in STATES:
            raise RetentionError(f"states may only hold {', '.join(STATES)}, got {state!r}")
        result.append(state.upper())
    return sorted(set(result), key=STATES.index)


def _validate_cutoff(value, now) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, timedelta):
        return now - value
    if isinstance(value, datetime):
        return validate_now(value)
    if isinstance(value, str):
        try:
            return parse_point_in_time(value, now)
        except ValueError as err:
            raise RetentionError(
                f"older_than must be an age such as '30d' or an ISO-8601 timestamp, "
                f"got {value!r}: {err}"
            ) from None
    raise RetentionError(f"older_than must be an age such as '30d', got {value!r}")


def plan_cleanup(
    checkpoints,
    *,
    name_pattern=None,
    older_than=None,
    runs=None,
    simulations=None,
    states=("COMPLETE",),
    include_favorites=False,
    now=None,
    simulation_names=None,
) -> dict:
    """Plan deleting the checkpoints that match every given criterion.

    - ``name_pattern``: a shell-style glob (``*``, ``?``, ``[abc]``) that must match the whole
      name, case-sensitively; a list matches when any pattern does. Globs, not regular
      expressions, because a stray ``.`` in a regex widens a delete without anyone noticing.
    - ``older_than``: an age (``"30d"``) meaning created before ``now`` minus that age, or an
      ISO-8601 timestamp; strictly before.
    - ``runs``, ``simulations``: ids; the checkpoint's run or simulation must be one of them.
    - ``states``: which states match (default COMPLETE only). A matching PENDING or DELETED
      checkpoint is listed under ``skipped`` and never deleted: the API deletes only COMPLETE
      ones, and a DELETED one is already gone.
    - Favorites that match are kept unless ``include_favorites`` is true; deleting them then
      needs ``air_checkpoint``'s ``force``.

    At least one of ``name_pattern``, ``older_than``, ``runs`` and ``simulations`` is required,
    so an empty set of criteria can never mean "everything". Each simulation entry also carries
    ``matched`` and ``skipped`` (``{id, name, state, reason}``). ``simulation_names`` (id to
    name) fills each entry's ``name``.
    """
    now = validate_now(now)
    patterns = _validate_patterns(name_pattern)
    cutoff = _validate_cutoff(older_than, now)
    run_ids = _id_list(runs, "runs")
    scope = _id_list(simulations, "simulations")
    wanted_states = _validate_states(states)
    names = _validate_names(simulation_names)
    if not isinstance(include_favorites, bool):
        raise RetentionError(f"include_favorites must be true or false, got {include_favorites!r}")
    if patterns is None and cutoff is None and run_ids is None and scope is None:
        raise RetentionError(
            "cleanup needs at least one criterion: name_pattern, older_than, runs or simulations"
        )
    checkpoints = _validate_checkpoints(checkpoints)

    def matches(cp) -> bool:
        if cp.get("state") not in wanted_states:
            return False
        if scope is not None and cp.get("simulation") not in scope:
            return False
        if run_ids is not None and cp.get("run") not in run_ids:
            return False
        name = cp.get("name") if isinstance(cp.get("name"), str) else ""
        if patterns is not None and not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            return False
        return cutoff is None or _created_at(cp) < cutoff

    why = []
    if patterns is not None:
        why.append("name matches " + " or ".join(repr(p) for p in patterns))
    if cutoff is not None:
        why.append(f"created before {format_timestamp(cutoff)}")
    if run_ids is not None:
        why.append("run selected")
    if scope is not None:
        why.append("simulation selected")
    reason = "; ".join(why)

    matched = [cp for cp in checkpoints if matches(cp)]
    groups = _group(matched, scope)
    entries, delete = [], []
    for sim in _sorted_simulations(groups):
        entry, doomed = _clean_one(groups[sim], reason, include_favorites)
        entries.append({"simulation": sim, "name": names.get(sim), **entry})
        delete += (_delete(cp) for cp in doomed)
    return {
        "kind": "cleanup",
        "policy": {
            "name_pattern": patterns,
            "older_than": format_timestamp(cutoff) if cutoff is not None else None,
            "runs": run_ids,
            "simulations": scope,
            "states": wanted_states,
            "include_favorites": include_favorites,
            "now": format_timestamp(now),
        },
        "simulations": entries,
        "delete": delete,
        "totals": {
            "simulations": len(entries),
            "checkpoints": len(checkpoints),
            "matched": len(matched),
            "kept": sum(len(e["kept"]) for e in entries),
            "delete": len(delete),
            "favorites_kept": sum(len(e["kept"]) for e in entries),
            "skipped": sum(len(e["skipped"]) for e in entries),
        },
    }


def _clean_one(matched, reason, include_favorites) -> tuple[dict, list[dict]]:
    kept, doomed, skipped = [], [], []
    for cp in _newest_first(matched):
        state = cp.get("state")
        if state == "DELETED":
            skipped.append(_skipped(cp, "already DELETED"))
        elif state != "COMPLETE":
            skipped.append(_skipped(cp, f"{state}: only COMPLETE checkpoints can be deleted"))
        elif cp.get("favorite") and not include_favorites:
            kept.append(_kept(cp, "favorite (include_favorites is off)"))
        else:
            doomed.append(cp)
    entry = {
        "matched": len(matched),
        "kept": kept,
        "deleted": [_deleted(cp, reason) for cp in doomed],
        "skipped": skipped,
    }
    return entry, doomed


def _skipped(cp, reason) -> dict:
    return {"id": cp["id"], "name": cp.get("name"), "state": cp.get("state"), "reason": reason}
