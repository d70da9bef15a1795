"""Simulation actions: shutdown, start, rebuild (PATCH) and clone (POST), contract §5.

Every action takes effect at once in the database and then finishes after the
`complete_after` setting: the simulation shows a transitional state until then, and a
checkpoint saved by shutdown stays PENDING until then (§8.11). The response carries the first
transitional state of the action (§8.14).
"""

import time
import uuid

from emulator_data import parse_timestamp
from emulator_store import ActionError, canonical_uuid, now_text

# action -> (state allowed before, state shown in the response, state while running)
_RULES = {
    "shutdown": ("ACTIVE", "PREPARE_SHUTDOWN", "SAVING"),
    "shutdown-purge": ("ACTIVE", "PREPARE_PURGE", "PURGING"),
    "start": ("INACTIVE", "REQUESTING", "BOOTING"),
    "rebuild": ("ACTIVE", "PREPARE_PURGE", "REBUILDING"),
}


def _sim_state(db, sim_id):
    row = db.execute("SELECT state FROM simulations WHERE id = ?", (sim_id,)).fetchone()
    return row[0] if row else None


def _require_state(action, state, allowed):
    if state not in allowed:
        verb = {"shutdown": "shut down", "start": "start", "rebuild": "rebuild", "clone": "clone"}
        wanted = " or ".join(allowed)
        raise ActionError(
            {"detail": f"Cannot {verb[action]} a simulation in state {state}; it must be {wanted}."}
        )


def _latest_complete(db, sim_id):
    row = db.execute(
        "SELECT id FROM checkpoints WHERE simulation = ? AND state = 'COMPLETE' "
        "ORDER BY created_us DESC, id DESC LIMIT 1",
        (sim_id,),
    ).fetchone()
    return row[0] if row else None


def _current_run(db, sim_id):
    row = db.execute(
        "SELECT id, started_from FROM runs WHERE simulation = ? AND ended_at IS NULL "
        "ORDER BY created_us DESC, id DESC LIMIT 1",
        (sim_id,),
    ).fetchone()
    return row


def _chosen_checkpoint(db, sim_id, body, fallback):
    """§8.13: key left out -> `fallback()`; null -> clean boot; a value must be COMPLETE and
    belong to `sim_id` (§8.12)."""
    if "checkpoint" not in body:
        return fallback()
    value = body["checkpoint"]
    if value is None:
        return None
    checkpoint_id = canonical_uuid(value)
    if checkpoint_id is None:
        raise ActionError({"checkpoint": ["Must be a valid UUID."]})
    row = db.execute(
        "SELECT simulation, state FROM checkpoints WHERE id = ?", (checkpoint_id,)
    ).fetchone()
    if row is None:
        raise ActionError(
            {"checkpoint": [f'Invalid pk "{checkpoint_id}" - object does not exist.']}
        )
    if row[0] != sim_id:
        raise ActionError({"detail": "The checkpoint does not belong to this simulation."})
    if row[1] != "COMPLETE":
        raise ActionError({"detail": f"The checkpoint must be COMPLETE; it is {row[1]}."})
    return checkpoint_id


def _bool_field(body, key, default):
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise ActionError({key: ["Must be a valid boolean."]})
    return value


def _stamped(text):
    return text, parse_timestamp(text)


def _new_run(db, sim_id, started_from, ended=False):
    number = db.execute("SELECT COUNT(*) FROM runs WHERE simulation = ?", (sim_id,)).fetchone()[0]
    run_id = str(uuid.uuid4())
    stamp = _stamped(now_text())
    name = f"Run {number + 1}"
    db.execute(
        "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (run_id, name, name.lower(), sim_id, started_from, *stamp)
        + (stamp if ended else (None, None))
        + stamp
        + stamp,
    )
    return run_id


def _end_run(db, run_id):
    stamp = _stamped(now_text())
    db.execute(
        "UPDATE runs SET ended_at = ?, ended_us = ?, modified = ?, modified_us = ? WHERE id = ?",
        (*stamp, *stamp, run_id),
    )


def _transition(db, sim_id, running_state, final_state, settings):
    stamp = _stamped(now_text())
    db.execute(
        "UPDATE simulations SET state = ?, next_state = ?, next_at = ?, modified = ?, "
        "modified_us = ? WHERE id = ?",
        (running_state, final_state, time.time() + settings.complete_after, *stamp, sim_id),
    )


def simulation_action(store, settings, sim_id, action, body):
    """Run `action`; returns the response state, or None when the simulation does not exist."""
    with store.transaction() as db:
        state = _sim_state(db, sim_id)
        if state is None:
            return None

        if action == "shutdown":
            save = _bool_field(body, "create_checkpoint", True)
            rule = _RULES["shutdown" if save else "shutdown-purge"]
            _require_state(action, state, (rule[0],))
            run = _current_run(db, sim_id)
            run_id = run[0] if run else _new_run(db, sim_id, None)
            _end_run(db, run_id)
            if save:
                complete_at = time.time() + settings.complete_after
                created = now_text()
                name = "Checkpoint " + created[:19].replace("T", " ")
                db.execute(
                    "INSERT INTO checkpoints VALUES (?,?,?,0,?,?,'PENDING',?,?,?,?,?)",
                    (
                        str(uuid.uuid4()),
                        name,
                        name.lower(),
                        run_id,
                        sim_id,
                        *_stamped(created),
                        *_stamped(created),
                        complete_at,
                    ),
                )
            _transition(db, sim_id, rule[2], "INACTIVE", settings)
            return rule[1]

        if action == "start":
            rule = _RULES["start"]
            _require_state(action, state, (rule[0],))
            checkpoint_id = _chosen_checkpoint(
                db, sim_id, body, lambda: _latest_complete(db, sim_id)
            )
            _new_run(db, sim_id, checkpoint_id)
            _transition(db, sim_id, rule[2], "ACTIVE", settings)
            return rule[1]

        rule = _RULES["rebuild"]
        _require_state(action, state, (rule[0],))
        run = _current_run(db, sim_id)

        def running_from():
            # §8.13 reconciles [DOC] and [SDK]: the current run's checkpoint when still usable.
            if run and run[1]:
                row = db.execute("SELECT state FROM checkpoints WHERE id = ?", (run[1],)).fetchone()
                if row and row[0] == "COMPLETE":
                    return run[1]
            return _latest_complete(db, sim_id)

        checkpoint_id = _chosen_checkpoint(db, sim_id, body, running_from)
        if run:
            _end_run(db, run[0])
        _new_run(db, sim_id, checkpoint_id)
        _transition(db, sim_id, rule[2], "ACTIVE", settings)
        return rule[1]


def clone(store, settings, body):
    """POST simulations/clone/: returns the new simulation's id (the response says CLONING)."""
    with store.transaction() as db:
        source = canonical_uuid(body.get("simulation"))
        if "simulation" not in body:
            raise ActionError({"simulation": ["This field is required."]})
        if source is None:
            raise ActionError({"simulation": ["Must be a valid UUID."]})
        row = db.execute("SELECT name, state FROM simulations WHERE id = ?", (source,)).fetchone()
        if row is None:
            raise ActionError({"simulation": [f'Invalid pk "{source}" - object does not exist.']})
        _require_state("clone", row[1], ("INACTIVE", "CLONING"))
        name = body.get("name", row[0])
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise ActionError({"name": ["Must be a string of 1 to 128 characters."]})
        attempt_start = _bool_field(body, "attempt_start", False)
        checkpoint_id = _chosen_checkpoint(db, source, body, lambda: _latest_complete(db, source))

        new_id = str(uuid.uuid4())
        stamp = _stamped(now_text())
        db.execute(
            "INSERT INTO simulations VALUES (?,?,?,'CLONING',?,?,?,?,NULL,NULL)",
            (new_id, name, name.lower(), *stamp, *stamp),
        )
        copy_id = None
        if checkpoint_id:
            # The clone gets its own copy of the checkpoint, taken in an already-ended run.
            original = db.execute(
                "SELECT name, name_lower FROM checkpoints WHERE id = ?", (checkpoint_id,)
            ).fetchone()
            run_id = _new_run(db, new_id, None, ended=True)
            copy_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO checkpoints VALUES (?,?,?,0,?,?,'COMPLETE',?,?,?,?,NULL)",
                (copy_id, *original, run_id, new_id, *stamp, *stamp),
            )
        if attempt_start:
            _new_run(db, new_id, copy_id)
        _transition(db, new_id, "CLONING", "ACTIVE" if attempt_start else "INACTIVE", settings)
        return new_id
