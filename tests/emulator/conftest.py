"""Fixtures for the emulator's contract suite: one emulator process per test module, over real
HTTP on 127.0.0.1, with the demo data reloaded wherever a test changes it."""

import datetime as dt
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import EmulatorProcess

CHECKPOINTS = "simulations/runs/checkpoints/"
RUNS = "simulations/runs/"
SIMULATIONS = "simulations/"
ANCHOR = "2026-01-15"  # fixed, so the demo data is the same on every run
CHECKPOINT_FIELDS = {"id", "name", "favorite", "run", "state", "metadata", "created", "modified"}


def parse_time(text):
    """Aware datetime from any timestamp the emulator returns (Z, offsets, 0-6 fraction digits)."""
    match = re.fullmatch(r"(.{19})(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)", text)
    assert match, f"unexpected timestamp {text!r}"
    base, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    return dt.datetime.fromisoformat(f"{base}.{(fraction or '').ljust(6, '0')}{zone}")


def get_all(emu, path, params=None, limit=1000):
    """Every item of a listing, following `next` exactly as returned."""
    answer = emu.request("GET", path, params={"limit": limit, **(params or {})})
    assert answer.status == 200, answer
    page = answer.json()
    items = list(page["results"])
    while page["next"]:
        answer = emu.request("GET", page["next"][len(emu.root_url) :])
        assert answer.status == 200, answer
        page = answer.json()
        items.extend(page["results"])
    return items


def first_page(emu, path, params=None, limit=10):
    """The first `limit` items of a listing, in one request."""
    answer = emu.request("GET", path, params={"limit": limit, **(params or {})})
    assert answer.status == 200, answer
    return answer.json()["results"]


def assert_no_server_errors(emu):
    counters = emu.counters()
    assert counters["internal_errors"] == 0, counters


@pytest.fixture(scope="module")
def emulator():
    with EmulatorProcess(dataset="demo", anchor=ANCHOR, complete_after=3600) as emu:
        yield emu


@pytest.fixture
def emu(emulator):
    """The module's emulator with counters, faults and settings back to their defaults."""
    emulator.reset()
    emulator.settings(
        latency_ms=0, complete_after=3600, auto_delete_limit=3, protect_favorites=False
    )
    yield emulator
    assert_no_server_errors(emulator)


@pytest.fixture
def fresh(emu):
    """Like `emu`, with the demo data reloaded first, for tests that change data."""
    emu.load("demo")
    return emu


@pytest.fixture
def custom(emu):
    """For tests that load their own data: the demo data is put back afterwards."""
    yield emu
    emu.load("demo")
