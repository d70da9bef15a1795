"""SQLite storage for the Air emulator: schema, dataset loading and the domain operations.

One connection guarded by one lock: requests are short, and SQLite does the heavy lifting
(filtering, ordering, OFFSET) in C through indexes, so a page deep in 100,000 checkpoints costs
about the same as the first one. Timestamps are kept twice: the text exactly as stored (what
the API returns) and integer microseconds since the epoch (what ordering compares), because
stored texts may carry different offsets and fraction lengths.
"""

import contextlib
import datetime as dt
import re
import sqlite3
import threading
import time
import uuid

from emulator_data import CHECKPOINT_STATES, format_timestamp, from_micros, parse_timestamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS simulations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, name_lower TEXT NOT NULL, state TEXT NOT NULL,
    created TEXT NOT NULL, created_us INTEGER NOT NULL,
    modified TEXT NOT NULL, modified_us INTEGER NOT NULL,
    next_state TEXT, next_at REAL
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, name_lower TEXT NOT NULL,
    simulation TEXT NOT NULL, started_from TEXT,
    started_at TEXT, started_us INTEGER, ended_at TEXT, ended_us INTEGER,
    created TEXT NOT NULL, created_us INTEGER NOT NULL,
    modified TEXT NOT NULL, modified_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, name_lower TEXT NOT NULL,
    favorite INTEGER NOT NULL, run TEXT NOT NULL, simulation TEXT NOT NULL, state TEXT NOT NULL,
    created TEXT NOT NULL, created_us INTEGER NOT NULL,
    modified TEXT NOT NULL, modified_us INTEGER NOT NULL,
    complete_at REAL
);
CREATE INDEX IF NOT EXISTS cp_created ON checkpoints (created_us, id);
CREATE INDEX IF NOT EXISTS cp_modified ON checkpoints (modified_us, id);
CREATE INDEX IF NOT EXISTS cp_sim ON checkpoints (simulation, created_us, id);
CREATE INDEX IF NOT EXISTS cp_run ON checkpoints (run, created_us, id);
CREATE INDEX IF NOT EXISTS cp_state ON checkpoints (state, created_us, id);
CREATE INDEX IF NOT EXISTS cp_sim_state ON checkpoints (simulation, state, created_us);
CREATE INDEX IF NOT EXISTS cp_due ON checkpoints (complete_at) WHERE complete_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS run_created ON runs (created_us, id);
CREATE INDEX IF NOT EXISTS run_sim ON runs (simulation, created_us, id);
CREATE INDEX IF NOT EXISTS sim_created ON simulations (created_us, id);
CREATE INDEX IF NOT EXISTS sim_due ON simulations (next_at) WHERE next_at IS NOT NULL;
"""

CHECKPOINT_COLUMNS = "id, name, favorite, run, state, created, modified"
RUN_COLUMNS = "id, name, simulation, started_from, started_at, ended_at, created, modified"
SIMULATION_COLUMNS = (
    "id, name, state, created, modified, "
    "(SELECT COUNT(*) FROM checkpoints c WHERE c.simulation = s.id AND c.state = 'COMPLETE')"
)


_CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class DatasetError(ValueError):
    """A dataset (file, admin body or generator arguments) that cannot be loaded."""


class ActionError(Exception):
    """A simulation action the API refuses with 400; `body` is the JSON error body."""

    def __init__(self, body):
        super().__init__(str(body))
        self.body = body


def canonical_uuid(value):
    """Lower-case hyphenated form, or None when `value` is not a uuid."""
    if not isinstance(value, str) or len(value) not in (32, 36):
        return None
    if _CANONICAL_UUID.match(value):
        return value  # already canonical: skips uuid.UUID, which dominates large loads
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def now_text():
    return format_timestamp(dt.datetime.now(dt.timezone.utc))


def checkpoint_json(row):
    return {
        "id": row[0],
        "name": row[1],
        "favorite": bool(row[2]),
        "run": row[3],
        "state": row[4],
        "metadata": {},
        "created": row[5],
        "modified": row[6],
    }


def run_json(row):
    keys = ("id", "name", "simulation", "started_from", "started_at", "ended_at", "created")
    result = dict(zip(keys, row[:7], strict=True))
    result["modified"] = row[7]
    return result


def simulation_json(row):
    # creator, auto_oob_enabled and enable_dhcp are required by nv-air-sdk's Simulation model;
    # the rest of the fields the SDK knows are optional and left at null.
    return {
        "id": row[0],
        "name": row[1],
        "state": row[2],
        "complete_checkpoint_count": row[5],
        "created": row[3],
        "modified": row[4],
        "creator": "emulator@example.invalid",
        "auto_oob_enabled": False,
        "enable_dhcp": True,
        "sleep_at": None,
        "expires_at": None,
        "documentation": None,
        "metadata": None,
    }


class Store:
    def __init__(self, path=None):
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self):
        with self.lock:
            self.db.close()

    @contextlib.contextmanager
    def transaction(self):
        with self.lock:
            self.db.execute("BEGIN")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def query(self, sql, params=()):
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def is_empty(self):
        return not self.query("SELECT 1 FROM simulations LIMIT 1")

    def counts(self):
        tables = ("simulations", "runs", "checkpoints")
        return {name: self.query(f"SELECT COUNT(*) FROM {name}")[0][0] for name in tables}

    # -- loading ------------------------------------------------------------------------

    def load(self, dataset):
        """Replace all data with `dataset`; DatasetError names the first bad item."""
        sims, runs, checkpoints = _validate(dataset)
        with self.transaction() as db:
            # Dropping the indexes and building them after the bulk insert is much faster.
            for (index,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall():
                db.execute(f"DROP INDEX {index}")
            for table in ("checkpoints", "runs", "simulations"):
                db.execute(f"DELETE FROM {table}")
            db.executemany("INSERT INTO simulations VALUES (?,?,?,?,?,?,?,?,NULL,NULL)", sims)
            db.executemany("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", runs)
            db.executemany(
                "INSERT INTO checkpoints VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL)", checkpoints
            )
            for statement in SCHEMA.split(";"):
                if "CREATE INDEX" in statement:
                    db.execute(statement)
            db.execute("ANALYZE")
        return self.counts()

    # -- listing ------------------------------------------------------------------------

    def page(self, table, columns, where, params, order, limit, offset):
        """(count, rows) for one page; `where` and `order` are trusted SQL fragments."""
        alias = table[0]
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self.lock:
            count = self.db.execute(f"SELECT COUNT(*) FROM {table} {alias}{clause}", params)
            count = count.fetchone()[0]
            # Skipping OFFSET rows in a subquery that needs only the index is about twice as
            # fast deep in a large table as skipping whole rows.
            rows = self.db.execute(
                f"SELECT {columns} FROM {table} {alias} WHERE rowid IN "
                f"(SELECT rowid FROM {table} {alias}{clause} ORDER BY {order} LIMIT ? OFFSET ?) "
                f"ORDER BY {order}",
                (*params, min(limit, 2**62), min(offset, 2**62)),
            ).fetchall()
        return count, rows

    def get(self, kind, item_id):
        table, columns = {
            "checkpoint": ("checkpoints c", CHECKPOINT_COLUMNS),
            "run": ("runs r", RUN_COLUMNS),
            "simulation": ("simulations s", SIMULATION_COLUMNS),
        }[kind]
        rows = self.query(f"SELECT {columns} FROM {table} WHERE id = ?", (item_id,))
        return rows[0] if rows else None

    # -- checkpoint and run writes ------------------------------------------------------

    def update_checkpoint(self, checkpoint_id, changes):
        with self.transaction() as db:
            if not db.execute(
                "SELECT 1 FROM checkpoints WHERE id = ?", (checkpoint_id,)
            ).fetchone():
                return None
            _touch(db, "checkpoints", checkpoint_id, changes)
        return self.get("checkpoint", checkpoint_id)

    def delete_checkpoint(self, checkpoint_id):
        """'deleted', 'missing', or the current state when it is not COMPLETE."""
        with self.transaction() as db:
            row = db.execute("SELECT state FROM checkpoints WHERE id = ?", (checkpoint_id,))
            row = row.fetchone()
            if row is None:
                return "missing"
            if row[0] != "COMPLETE":
                return row[0]
            _touch(db, "checkpoints", checkpoint_id, {"state": "DELETED"})
        return "deleted"

    def update_run(self, run_id, name):
        with self.transaction() as db:
            if not db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
                return None
            _touch(db, "runs", run_id, {"name": name})
        return self.get("run", run_id)

    # -- time-driven changes ------------------------------------------------------------

    def advance(self, settings, now=None):
        """Apply whatever became due: PENDING checkpoints turn COMPLETE (then retention, §8.10),
        simulations reach the end state of their action. Cheap when nothing is due."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            due = db.execute(
                "SELECT id, simulation, complete_at FROM checkpoints "
                "WHERE complete_at IS NOT NULL AND complete_at <= ? ORDER BY complete_at, id",
                (now,),
            ).fetchall()
            for checkpoint_id, simulation, complete_at in due:
                stamp = format_timestamp(dt.datetime.fromtimestamp(complete_at, dt.timezone.utc))
                db.execute(
                    "UPDATE checkpoints SET state = 'COMPLETE', complete_at = NULL, "
                    "modified = ?, modified_us = ? WHERE id = ?",
                    (stamp, parse_timestamp(stamp), checkpoint_id),
                )
                _apply_retention(db, simulation, checkpoint_id, settings)
            finished = db.execute(
                "SELECT id, next_state, next_at FROM simulations "
                "WHERE next_at IS NOT NULL AND next_at <= ?",
                (now,),
            ).fetchall()
            for sim_id, next_state, next_at in finished:
                stamp = format_timestamp(dt.datetime.fromtimestamp(next_at, dt.timezone.utc))
                db.execute(
                    "UPDATE simulations SET state = ?, next_state = NULL, next_at = NULL, "
                    "modified = ?, modified_us = ? WHERE id = ?",
                    (next_state, stamp, parse_timestamp(stamp), sim_id),
                )


def _touch(db, table, item_id, changes):
    """UPDATE the given columns and set `modified` to now (§8.5: every write changes it)."""
    stamp = now_text()
    values = dict(changes)
    if "name" in values:
        values["name_lower"] = values["name"].lower()
    values["modified"] = stamp
    values["modified_us"] = parse_timestamp(stamp)
    assignments = ", ".join(f"{column} = ?" for column in values)
    db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*values.values(), item_id))


def _apply_retention(db, simulation, new_id, settings):
    """§8.10: one deletion per new COMPLETE checkpoint once the simulation is over the limit.

    The oldest non-favourite goes first; when every COMPLETE checkpoint is a favourite the oldest
    favourite goes, unless favourites are protected. The new checkpoint itself is never chosen.
    """
    limit = settings.auto_delete_limit
    if limit <= 0:
        return
    count = db.execute(
        "SELECT COUNT(*) FROM checkpoints WHERE simulation = ? AND state = 'COMPLETE'",
        (simulation,),
    ).fetchone()[0]
    if count <= limit:
        return
    favorite_clause = "favorite = 0" if settings.protect_favorites else "1"
    victim = db.execute(
        "SELECT id FROM checkpoints WHERE simulation = ? AND state = 'COMPLETE' AND id != ? "
        f"AND {favorite_clause} ORDER BY favorite, created_us, id LIMIT 1",
        (simulation, new_id),
    ).fetchone()
    if victim:
        _touch(db, "checkpoints", victim[0], {"state": "DELETED"})


def _stamp(item, key, where, default=None, required=True):
    value = item.get(key, default)
    if value is None:
        if required:
            raise DatasetError(f"{where}: '{key}' is required")
        return None, None
    try:
        return value, parse_timestamp(value)
    except ValueError as err:
        raise DatasetError(f"{where}: '{key}': {err}") from None


def _validate(dataset):
    """Rows ready for INSERT. Ids are normalised; missing times default to now."""
    if not isinstance(dataset, dict):
        raise DatasetError("a dataset must be a JSON object with simulations, runs, checkpoints")
    now = now_text()
    sims, runs, checkpoints = [], [], []
    sim_ids, run_sims = set(), {}
    for kind in ("simulations", "runs", "checkpoints"):
        if not isinstance(dataset.get(kind, []), list):
            raise DatasetError(f"'{kind}' must be a list")

    def ident(item, where):
        if not isinstance(item, dict):
            raise DatasetError(f"{where}: must be an object")
        value = canonical_uuid(item.get("id"))
        if value is None:
            raise DatasetError(f"{where}: 'id' must be a uuid")
        return value

    def name(item, where, default):
        value = item.get("name", default)
        if not isinstance(value, str) or len(value) > 128:
            raise DatasetError(f"{where}: 'name' must be a string of at most 128 characters")
        return value

    for n, item in enumerate(dataset.get("simulations", [])):
        where = f"simulations[{n}]"
        sim_id = ident(item, where)
        created = _stamp(item, "created", where, now)
        modified = _stamp(item, "modified", where, created[0])
        label = name(item, where, "simulation")
        state = item.get("state", "INACTIVE")
        if not isinstance(state, str):
            raise DatasetError(f"{where}: 'state' must be a string")
        sim_ids.add(sim_id)
        sims.append((sim_id, label, label.lower(), state, *created, *modified))
    for n, item in enumerate(dataset.get("runs", [])):
        where = f"runs[{n}]"
        run_id = ident(item, where)
        sim_id = canonical_uuid(item.get("simulation"))
        if sim_id not in sim_ids:
            raise DatasetError(f"{where}: 'simulation' must name a simulation in the dataset")
        created = _stamp(item, "created", where, now)
        started = _stamp(item, "started_at", where, created[0])
        ended = _stamp(item, "ended_at", where, required=False)
        modified = _stamp(item, "modified", where, created[0])
        label = name(item, where, "Run")
        started_from = item.get("started_from")
        if started_from is not None:
            started_from = canonical_uuid(started_from)
            if started_from is None:
                raise DatasetError(f"{where}: 'started_from' must be a uuid or null")
        run_sims[run_id] = sim_id
        runs.append(
            (
                run_id,
                label,
                label.lower(),
                sim_id,
                started_from,
                *started,
                *ended,
                *created,
                *modified,
            )
        )
    for n, item in enumerate(dataset.get("checkpoints", [])):
        where = f"checkpoints[{n}]"
        checkpoint_id = ident(item, where)
        run_id = canonical_uuid(item.get("run"))
        if run_id not in run_sims:
            raise DatasetError(f"{where}: 'run' must name a run in the dataset")
        state = item.get("state", "COMPLETE")
        if state not in CHECKPOINT_STATES:
            raise DatasetError(f"{where}: 'state' must be one of {', '.join(CHECKPOINT_STATES)}")
        favorite = item.get("favorite", False)
        if not isinstance(favorite, bool):
            raise DatasetError(f"{where}: 'favorite' must be true or false")
        created = _stamp(item, "created", where, now)
        modified = _stamp(item, "modified", where, created[0])
        label = item.get("name")
        if label is None:
            label = "Checkpoint " + from_micros(created[1]).strftime("%Y-%m-%d %H:%M:%S")
        label = name(item, where, label)
        checkpoints.append(
            (
                checkpoint_id,
                label,
                label.lower(),
                int(favorite),
                run_id,
                run_sims[run_id],
                state,
                *created,
                *modified,
            )
        )
    for kind, rows in (("simulations", sims), ("runs", runs), ("checkpoints", checkpoints)):
        if len({row[0] for row in rows}) != len(rows):
            raise DatasetError(f"{kind}: ids must be unique")
    return sims, runs, checkpoints
