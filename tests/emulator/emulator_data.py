"""Datasets for the Air emulator: timestamps, the `demo` data and the benchmark generator.

A dataset is a plain dict with three lists, the same shape as a JSON dataset file:
``{"simulations": [...], "runs": [...], "checkpoints": [...]}``. Each item uses the API's own
field names (see docs/emulator.md). Everything here is deterministic for a given seed and
anchor day, so tests and benchmarks see the same data on every machine.
"""

import datetime as dt
import random
import re
import uuid

UTC = dt.timezone.utc
CHECKPOINT_STATES = ("PENDING", "COMPLETE", "DELETED")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_MICROSECOND = dt.timedelta(microseconds=1)

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)

# Offsets and fraction lengths the real API could plausibly send; the demo mixes them in so
# clients that compare timestamps as text, or parse only one layout, fail visibly.
_OFFSETS = ("+02:00", "-05:00", "+05:30", "+00:00")
_FRACTION_DIGITS = (0, 3, 6)


def parse_timestamp(text):
    """ISO-8601 text to microseconds since the epoch (UTC); ValueError when unparsable.

    Own parser rather than ``datetime.fromisoformat`` because Python 3.10 rejects ``Z`` and
    fraction lengths other than 3 or 6 digits.
    """
    if not isinstance(text, str):
        raise ValueError(f"timestamp must be a string, got {type(text).__name__}")
    if len(text) == 27 and text[-1] == "Z" and text[10] == "T":
        # Fast path for the canonical form, which is nearly every stored timestamp.
        try:
            return (dt.datetime.fromisoformat(text[:-1]) - _EPOCH_NAIVE) // _MICROSECOND
        except ValueError:
            pass
    match = _TIMESTAMP.match(text)
    if not match:
        raise ValueError(f"not an ISO-8601 timestamp with a timezone: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if zone == "Z":
        tz = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    moment = dt.datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
    )
    return to_micros(moment)


def to_micros(moment):
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(micros):
    return _EPOCH + dt.timedelta(microseconds=micros)


def format_timestamp(moment):
    """The contract's canonical form: UTC, microseconds, ``Z``."""
    # isoformat is several times faster than strftime, which matters for 100,000 rows.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def format_varied(moment, rng):
    """Canonical most of the time; otherwise a numeric offset and 0, 3 or 6 fraction digits."""
    if rng.random() >= 0.2:
        return format_timestamp(moment)
    offset = rng.choice(_OFFSETS)
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    local = moment.astimezone(dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)))
    digits = rng.choice(_FRACTION_DIGITS)
    fraction = f".{local.microsecond:06d}"[: digits + 1] if digits else ""
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + offset


def default_anchor():
    """Today at 00:00 UTC: generated data ends here, so age-based policies see realistic ages."""
    today = dt.datetime.now(UTC).date()
    return dt.datetime(today.year, today.month, today.day, tzinfo=UTC)


def parse_anchor(value):
    if value is None:
        return default_anchor()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    return from_micros(parse_timestamp(value))


def _uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Builder:
    """Accumulates simulations, runs and checkpoints with consistent ids and times."""

    def __init__(self, rng, anchor, varied):
        self.rng = rng
        self.anchor = anchor
        self.varied = varied
        self.simulations = []
        self.runs = []
        self.checkpoints = []

    def stamp(self, moment):
        return format_varied(moment, self.rng) if self.varied else format_timestamp(moment)

    def simulation(self, name, created, state="INACTIVE"):
        sim = {
            "id": _uuid(self.rng),
            "name": name,
            "state": state,
            "created": self.stamp(created),
            "modified": self.stamp(created),
        }
        self.simulations.append(sim)
        return sim

    def run(self, sim, number, started, ended, started_from):
        run = {
            "id": _uuid(self.rng),
            "name": f"Run {number}",
            "simulation": sim["id"],
            "started_from": started_from,
            "started_at": self.stamp(started),
            "ended_at": self.stamp(ended) if ended else None,
            "created": self.stamp(started),
            "modified": self.stamp(ended or started),
        }
        self.runs.append(run)
        return run

    def checkpoint(self, run, name, created, state, favorite):
        modified = created + dt.timedelta(seconds=self.rng.randint(5, 600))
        if state == "DELETED":
            modified += dt.timedelta(days=self.rng.uniform(0.5, 20))
            modified = min(modified, self.anchor)
        checkpoint = {
            "id": _uuid(self.rng),
            "name": name,
            "favorite": favorite,
            "run": run["id"],
            "state": state,
            "metadata": {},
            "created": self.stamp(created),
            "modified": self.stamp(max(modified, created)),
        }
        self.checkpoints.append(checkpoint)
        return checkpoint

    def history(self, sim, count, start, end, *, names, states, favorite_ratio, active=False):
        """`count` checkpoints spread over runs between `start` and `end`, oldest first.

        `names(k, created)` gives the k-th name; `states(k, count)` the k-th state.
        """
        rng = self.rng
        run_count = max(1, min(count, rng.randint(2, 8))) if count else rng.randint(1, 3)
        span = (end - start).total_seconds()
        times = sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _n in range(count))
        per_run = [
            count // run_count + (1 if i < count % run_count else 0) for i in range(run_count)
        ]
        started_from = None
        index = 0
        for number, size in enumerate(per_run, 1):
            chunk = times[index : index + size]
            run_start = (chunk[0] if chunk else start) - dt.timedelta(hours=rng.uniform(1, 48))
            last = number == run_count
            run_end = None if (last and active) else (chunk[-1] if chunk else run_start)
            run = self.run(sim, number, run_start, run_end, started_from)
            for created in chunk:
                state = states(index, count)
                favorite = rng.random() < favorite_ratio
                checkpoint = self.checkpoint(run, names(index, created), created, state, favorite)
                if state == "COMPLETE":
                    started_from = checkpoint["id"]
                index += 1
        return self

    def dataset(self):
        return {"simulations": self.simulations, "runs": self.runs, "checkpoints": self.checkpoints}


def _auto_name(_k, created):
    # The API auto-names checkpoints after their creation time in UTC.
    return "Checkpoint " + created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _mixed_states(rng):
    def states(k, count):
        # Older checkpoints are more likely to have been deleted already.
        if k < count * 0.6 and rng.random() < 0.45:
            return "DELETED"
        return "COMPLETE"

    return states


def generate(
    simulations=200,
    checkpoints=10000,
    favorite_ratio=0.05,
    seed=1,
    states="mixed",
    anchor=None,
    varied_timestamps=False,
):
    """Benchmark data: `checkpoints` spread evenly over `simulations`, within the year before
    `anchor`. ``states="complete"`` makes every checkpoint COMPLETE (deletable)."""
    if states not in ("mixed", "complete"):
        raise ValueError("states must be 'mixed' or 'complete'")
    if simulations < 1 and checkpoints:
        raise ValueError("checkpoints need at least one simulation")
    rng = random.Random(seed)
    anchor = parse_anchor(anchor)
    builder = _Builder(rng, anchor, varied_timestamps)
    state_of = (lambda _k, _n: "COMPLETE") if states == "complete" else _mixed_states(rng)
    for i in range(simulations):
        count = checkpoints // simulations + (1 if i < checkpoints % simulations else 0)
        created = anchor - dt.timedelta(days=rng.uniform(330, 365))
        sim = builder.simulation(f"sim-{i:05d}", created)
        start = created + dt.timedelta(days=1)
        builder.history(
            sim,
            count,
            start,
            anchor,
            names=_auto_name,
            states=state_of,
            favorite_ratio=favorite_ratio,
        )
    return builder.dataset()


_WORDS = (
    "spine",
    "leaf",
    "evpn",
    "bgp",
    "ospf",
    "mlag",
    "vxlan",
    "dc",
    "edge",
    "lab",
    "ztp",
    "upgrade",
)
_USER_NAMES = ("nightly", "before-upgrade", "golden", "baseline", "pre-change", "nightly")
_UNICODE_NAMES = (
    "Prüfpunkt Ω-7",
    "チェックポイント 夜間",
    "snapshot 🚀 ready",
    "Ünïcödé ✓ naïve café",
)


def demo(seed=1, anchor=None):
    """The `demo` dataset: varied and awkward on purpose (see docs/emulator.md)."""
    rng = random.Random(seed)
    anchor = parse_anchor(anchor)
    builder = _Builder(rng, anchor, varied=True)
    year_ago = anchor - dt.timedelta(days=365)

    def sim_created():
        return year_ago + dt.timedelta(days=rng.uniform(0, 60))

    def numbered(k, _created):
        # "Checkpoint 10" sorts before "Checkpoint 9" as text but is newer.
        return f"Checkpoint {k + 1}"

    def user_named(k, created):
        roll = rng.random()
        if roll < 0.05:
            return rng.choice(_UNICODE_NAMES)
        if roll < 0.08:
            return ("max-length-" + "x" * 200)[:128]
        if roll < 0.10:
            return ("Ω" + "é" * 200)[:128]
        if roll < 0.55:
            return rng.choice(_USER_NAMES)
        return _auto_name(k, created)

    name_styles = (_auto_name, numbered, user_named)
    sizes = [max(3, int(rng.paretovariate(1.3) * 20)) for _n in range(52)]
    scale = 2200 / sum(sizes)
    sizes = [max(3, int(size * scale)) for size in sizes]

    for i, size in enumerate(sizes):
        active = rng.random() < 0.3
        name = f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{i:02d}"
        sim = builder.simulation(name, sim_created(), "ACTIVE" if active else "INACTIVE")
        start = anchor - dt.timedelta(days=rng.uniform(60, 360))
        end = anchor - dt.timedelta(hours=rng.uniform(1, 24 * 20))
        builder.history(
            sim,
            size,
            start,
            end,
            names=name_styles[i % 3],
            states=_mixed_states(rng),
            favorite_ratio=0.08,
            active=active,
        )

    # A simulation that is saving right now: its newest checkpoint is PENDING.
    sim = builder.simulation("evpn-saving", sim_created(), "SAVING")
    builder.history(
        sim,
        6,
        anchor - dt.timedelta(days=90),
        anchor - dt.timedelta(hours=2),
        names=_auto_name,
        states=lambda k, n: "PENDING" if k == n - 1 else "COMPLETE",
        favorite_ratio=0.1,
    )
    # Simulations without a single COMPLETE checkpoint.
    sim = builder.simulation("only-pending-and-deleted", sim_created(), "SAVING")
    builder.history(
        sim,
        5,
        anchor - dt.timedelta(days=200),
        anchor - dt.timedelta(hours=5),
        names=_auto_name,
        states=lambda k, n: "PENDING" if k == n - 1 else "DELETED",
        favorite_ratio=0.2,
    )
    sim = builder.simulation("only-deleted", sim_created())
    builder.history(
        sim,
        4,
        anchor - dt.timedelta(days=300),
        anchor - dt.timedelta(days=100),
        names=_auto_name,
        states=lambda _k, _n: "DELETED",
        favorite_ratio=0.0,
    )
    # Every COMPLETE checkpoint a favourite: exercises "prune favourites only when all are".
    sim = builder.simulation("all-favorites", sim_created())
    builder.history(
        sim,
        5,
        anchor - dt.timedelta(days=120),
        anchor - dt.timedelta(days=1),
        names=numbered,
        states=lambda _k, _n: "COMPLETE",
        favorite_ratio=1.0,
    )
    # Two simulations share a name, so name lookups must notice the ambiguity.
    for _copy in range(2):
        sim = builder.simulation("duplicate-name", sim_created())
        builder.history(
            sim,
            4,
            anchor - dt.timedelta(days=50),
            anchor - dt.timedelta(days=2),
            names=lambda _k, _c: "nightly",
            states=lambda _k, _n: "COMPLETE",
            favorite_ratio=0.0,
        )
    # Empty simulations: one never started, one with runs but no checkpoints.
    builder.simulation("empty-never-started", sim_created())
    sim = builder.simulation("Ωmega-empty-runs ✓", sim_created())
    builder.run(sim, 1, anchor - dt.timedelta(days=40), anchor - dt.timedelta(days=39), None)
    builder.run(sim, 2, anchor - dt.timedelta(days=10), anchor - dt.timedelta(days=9), None)
    builder.simulation("empty-" + "n" * 122, sim_created())
    return builder.dataset()


def load_named(name, seed, anchor=None):
    if name == "empty":
        return {"simulations": [], "runs": [], "checkpoints": []}
    if name == "demo":
        return demo(seed=seed, anchor=anchor)
    raise ValueError(f"unknown dataset {name!r}; use 'empty', 'demo' or a JSON file")
