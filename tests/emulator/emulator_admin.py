"""The emulator's own controls under /_emulator/: settings, faults, counters, dataset loading.

None of this exists in the real Air API. Admin calls need the same bearer token as the API
(except health) and are not counted in the counters.
"""

import dataclasses
import math
import threading
from collections import Counter

from emulator_data import generate, load_named
from emulator_store import DatasetError

FAULT_STATUSES = (429, 500, 502, 503, 504)
MAX_GENERATED = 1_000_000  # keeps a typo from tying up the emulator for minutes


@dataclasses.dataclass
class Settings:
    latency_ms: int = 0
    complete_after: float = 5.0
    auto_delete_limit: int = 3
    protect_favorites: bool = False
    seed: int = 1
    anchor: str | None = None

    def public(self):
        return {
            "latency_ms": self.latency_ms,
            "complete_after": self.complete_after,
            "auto_delete_limit": self.auto_delete_limit,
            "protect_favorites": self.protect_favorites,
        }


class AdminError(Exception):
    pass


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_route = Counter()
        self.by_status = Counter()
        self.internal_errors = 0  # genuine emulator bugs, never emulated faults

    def count(self, method, template):
        with self.lock:
            self.by_route[f"{method} {template}"] += 1

    def status(self, status):
        with self.lock:
            self.by_status[str(status)] += 1

    def internal_error(self):
        with self.lock:
            self.internal_errors += 1
            self.by_status["500"] += 1

    def snapshot(self):
        with self.lock:
            return {
                "total": sum(self.by_route.values()),
                "by_route": dict(self.by_route),
                "by_status": dict(self.by_status),
                "internal_errors": self.internal_errors,
            }

    def clear(self):
        with self.lock:
            self.by_route.clear()
            self.by_status.clear()
            self.internal_errors = 0


MAX_WAIT = 600  # seconds; bounds delays, latency and Retry-After so nothing hangs for good


def _number(body, key, default, minimum, kind=int, maximum=None):
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise AdminError(f"'{key}' must be a number")
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise AdminError(f"'{key}' must be {bounds}")
    return kind(value)


class Faults:
    """Queued faults; each matching response consumes one count of the first matching fault."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, body):
        kind = body.get("kind")
        if kind not in ("status", "delay", "drop"):
            raise AdminError("'kind' must be 'status', 'delay' or 'drop'")
        fault = {"kind": kind, "count": _number(body, "count", 1, 1, int, 10**9)}
        if kind == "status":
            status = body.get("status")
            if status not in FAULT_STATUSES:
                raise AdminError(f"'status' must be one of {FAULT_STATUSES}")
            fault["status"] = status
            default_wait = 1 if status == 429 else None
            if body.get("retry_after", default_wait) is not None:
                fault["retry_after"] = _number(body, "retry_after", default_wait, 0, int, MAX_WAIT)
        if kind == "delay":
            fault["delay_ms"] = _number(body, "delay_ms", None, 0, int, MAX_WAIT * 1000)
        for key in ("method", "path"):
            value = body.get(key)
            if value is not None and not isinstance(value, str):
                raise AdminError(f"'{key}' must be a string")
            fault[key] = value.upper() if key == "method" and value else value
        fault["exact"] = bool(body.get("exact", False))
        fault["processed"] = bool(body.get("processed", False))
        with self.lock:
            self.items.append(fault)
        return fault

    def take(self, method, template, path):
        """The fault to apply to this response (consuming one count), or None."""
        with self.lock:
            for fault in self.items:
                if fault["method"] and fault["method"] != method:
                    continue
                if fault["path"] and not _path_matches(fault, template, path):
                    continue
                fault["count"] -= 1
                if fault["count"] == 0:
                    self.items.remove(fault)
                return dict(fault)
        return None

    def snapshot(self):
        with self.lock:
            return [dict(fault) for fault in self.items]

    def clear(self):
        with self.lock:
            self.items.clear()


def _path_matches(fault, template, path):
    wanted = fault["path"].rstrip("/") + "/"
    if wanted == template or wanted == path.rstrip("/") + "/":
        return True
    return not fault["exact"] and path.startswith(fault["path"])


def load_dataset(emulator, body):
    """POST /_emulator/dataset: exactly one of dataset, generate or data."""
    chosen = [key for key in ("dataset", "generate", "data") if key in body]
    if len(chosen) != 1:
        raise AdminError("give exactly one of 'dataset', 'generate' or 'data'")
    settings = emulator.settings
    try:
        if "dataset" in body:
            data = load_named(body["dataset"], settings.seed, settings.anchor)
        elif "generate" in body:
            options = body["generate"]
            if not isinstance(options, dict):
                raise AdminError("'generate' must be an object")
            allowed = {"simulations", "checkpoints", "favorite_ratio", "seed", "states", "anchor"}
            unknown = sorted(set(options) - allowed)
            if unknown:
                raise AdminError(f"unknown 'generate' keys: {', '.join(unknown)}")
            simulations = _number(options, "simulations", 200, 0)
            checkpoints = _number(options, "checkpoints", 10000, 0)
            if simulations > MAX_GENERATED or checkpoints > MAX_GENERATED:
                raise AdminError(f"at most {MAX_GENERATED} simulations and checkpoints")
            data = generate(
                simulations=simulations,
                checkpoints=checkpoints,
                favorite_ratio=_number(options, "favorite_ratio", 0.05, 0, float),
                seed=options.get("seed", settings.seed),
                states=options.get("states", "mixed"),
                anchor=options.get("anchor", settings.anchor),
            )
        else:
            data = body["data"]
        counts = emulator.store.load(data)
    except (DatasetError, ValueError, TypeError) as err:
        raise AdminError(str(err)) from None
    return {"loaded": counts}


def update_settings(settings, body):
    changes = {}
    if "latency_ms" in body:
        changes["latency_ms"] = _number(body, "latency_ms", 0, 0, int, MAX_WAIT * 1000)
    if "complete_after" in body:
        changes["complete_after"] = _number(body, "complete_after", 0, 0, float, 10**7)
    if "auto_delete_limit" in body:
        changes["auto_delete_limit"] = _number(body, "auto_delete_limit", 0, 0, int, 10**9)
    if "protect_favorites" in body:
        if not isinstance(body["protect_favorites"], bool):
            raise AdminError("'protect_favorites' must be true or false")
        changes["protect_favorites"] = body["protect_favorites"]
    unknown = sorted(set(body) - set(settings.public()))
    if unknown:
        raise AdminError(f"unknown settings: {', '.join(unknown)}")
    for key, value in changes.items():
        setattr(settings, key, value)
    return settings.public()
