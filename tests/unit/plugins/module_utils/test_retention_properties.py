# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Properties of the retention and cleanup plans over generated checkpoint sets.

Timestamps are drawn from a small range and written with random offsets and fraction lengths,
so ties and text-versus-time disagreements come up often.
"""

from __future__ import annotations

import fnmatch
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.nvair.air.plugins.module_utils.air_time import parse_timestamp
from ansible_collections.nvair.air.plugins.module_utils.retention import (
    plan_cleanup,
    plan_retention,
)

NOW = datetime(2026, 3, 20, 12, 0, 0, tzinfo=timezone.utc)
SIMS = ("sim-a", "sim-b", "sim-c")


@st.composite
def timestamps(draw):
    instant = NOW - timedelta(minutes=draw(st.integers(min_value=-5, max_value=60 * 48)))
    offset = timezone(timedelta(minutes=draw(st.sampled_from([0, 0, 120, -330, 60]))))
    local = instant.astimezone(offset)
    text = local.isoformat(timespec=draw(st.sampled_from(["seconds", "milliseconds", "auto"])))
    if text.endswith("+00:00") and draw(st.booleans()):
        text = text[: -len("+00:00")] + "Z"
    return text


@st.composite
def checkpoint_sets(draw):
    count = draw(st.integers(min_value=0, max_value=25))
    cps = []
    for n in range(count):
        created = draw(timestamps())
        cps.append(
            {
                "id": f"cp-{n:03d}",
                "name": draw(st.sampled_from(["nightly-1", "nightly-22", "manual", "Nightly-x"])),
                "favorite": draw(st.booleans()),
                "run": draw(st.sampled_from(["run-1", "run-2", "run-3"])),
                "state": draw(
                    st.sampled_from(["COMPLETE", "COMPLETE", "COMPLETE", "PENDING", "DELETED"])
                ),
                "created": created,
                "modified": created,
                "simulation": draw(st.sampled_from(SIMS)),
            }
        )
    return cps


retention_inputs = st.fixed_dictionaries(
    {
        "checkpoints": checkpoint_sets(),
        "keep": st.integers(min_value=0, max_value=6),
        "favorites_count_toward_keep": st.booleans(),
        "min_age": st.one_of(st.none(), st.integers(min_value=0, max_value=3600 * 30)),
    }
)


def plan_of(args, **extra):
    return plan_retention(
        args["checkpoints"],
        args["keep"],
        favorites_count_toward_keep=args["favorites_count_toward_keep"],
        min_age=args["min_age"],
        now=NOW,
        **extra,
    )


def by_id(checkpoints):
    return {cp["id"]: cp for cp in checkpoints}


def apply(checkpoints, plan):
    doomed = {item["id"] for item in plan["delete"]}
    return [dict(cp, state="DELETED") if cp["id"] in doomed else cp for cp in checkpoints]


@given(retention_inputs)
@settings(max_examples=300, deadline=None)
def test_retention_never_deletes_a_favorite_or_a_non_complete_checkpoint(args):
    source = by_id(args["checkpoints"])
    for item in plan_of(args)["delete"]:
        assert source[item["id"]]["favorite"] is False
        assert source[item["id"]]["state"] == "COMPLETE"


@given(retention_inputs)
@settings(max_examples=300, deadline=None)
def test_retention_keeps_at_least_keep_complete_per_simulation(args):
    plan = plan_of(args)
    for entry in plan["simulations"]:
        complete = [
            cp
            for cp in args["checkpoints"]
            if cp["simulation"] == entry["simulation"] and cp["state"] == "COMPLETE"
        ]
        assert len(entry["kept"]) >= min(args["keep"], len(complete))
        # Every COMPLETE checkpoint is decided exactly once.
        decided = [i["id"] for i in entry["kept"]] + [i["id"] for i in entry["deleted"]]
        assert sorted(decided) == sorted(cp["id"] for cp in complete)


@given(retention_inputs)
@settings(max_examples=300, deadline=None)
def test_retention_deletes_only_checkpoints_older_than_every_newest_kept(args):
    plan = plan_of(args)
    for entry in plan["simulations"]:
        newest = [parse_timestamp(k["created"]) for k in entry["kept"] if not k["favorite"]]
        for item in entry["deleted"]:
            assert all(parse_timestamp(item["created"]) <= t for t in newest)
            if args["min_age"] is not None:
                age = NOW - parse_timestamp(item["created"])
                assert age >= timedelta(seconds=args["min_age"])


@given(retention_inputs, st.sampled_from(SIMS))
@settings(max_examples=300, deadline=None)
def test_retention_never_touches_another_simulation(args, sim):
    scoped = plan_of(args, simulations=[sim])
    assert {item["simulation"] for item in scoped["delete"]} <= {sim}
    source = by_id(args["checkpoints"])
    assert all(source[item["id"]]["simulation"] == sim for item in scoped["delete"])
    # A simulation's verdicts do not depend on which other simulations are in the input.
    (alone,) = scoped["simulations"]
    in_whole = [e for e in plan_of(args)["simulations"] if e["simulation"] == sim]
    if in_whole:
        assert in_whole == [alone]
    else:
        assert (alone["kept"], alone["deleted"], alone["ignored"]) == ([], [], 0)


@given(retention_inputs)
@settings(max_examples=300, deadline=None)
def test_retention_plan_is_idempotent(args):
    first = plan_of(args)
    after = dict(args, checkpoints=apply(args["checkpoints"], first))
    assert plan_of(after)["delete"] == []


@given(retention_inputs)
@settings(max_examples=100, deadline=None)
def test_retention_converges_after_an_interrupted_run(args):
    first = plan_of(args)
    half = dict(first, delete=first["delete"][: len(first["delete"]) // 2])
    after_half = dict(args, checkpoints=apply(args["checkpoints"], half))
    second = plan_of(after_half)
    done = {item["id"] for item in half["delete"]}
    assert {item["id"] for item in second["delete"]} == {
        item["id"] for item in first["delete"] if item["id"] not in done
    }


cleanup_inputs = st.fixed_dictionaries(
    {
        "checkpoints": checkpoint_sets(),
        "name_pattern": st.sampled_from(["nightly-*", "*", "manual", "nightly-?"]),
        "older_than": st.sampled_from([None, "1h", "1d", "30d"]),
        "include_favorites": st.booleans(),
        "states": st.sampled_from([["COMPLETE"], ["COMPLETE", "PENDING", "DELETED"]]),
    }
)


def cleanup_of(args):
    return plan_cleanup(
        args["checkpoints"],
        name_pattern=args["name_pattern"],
        older_than=args["older_than"],
        include_favorites=args["include_favorites"],
        states=args["states"],
        now=NOW,
    )


@given(cleanup_inputs)
@settings(max_examples=300, deadline=None)
def test_cleanup_deletes_only_complete_matches_and_favorites_only_when_asked(args):
    source = by_id(args["checkpoints"])
    for item in cleanup_of(args)["delete"]:
        cp = source[item["id"]]
        assert cp["state"] == "COMPLETE"
        assert fnmatch.fnmatchcase(cp["name"], args["name_pattern"])
        if not args["include_favorites"]:
            assert cp["favorite"] is False


@given(cleanup_inputs)
@settings(max_examples=300, deadline=None)
def test_cleanup_plan_is_idempotent(args):
    first = cleanup_of(args)
    after = dict(args, checkpoints=apply(args["checkpoints"], first))
    assert cleanup_of(after)["delete"] == []


@given(retention_inputs)
@settings(max_examples=100, deadline=None)
def test_retention_plan_ignores_repeated_listings(args):
    doubled = dict(args, checkpoints=args["checkpoints"] + list(reversed(args["checkpoints"])))
    assert plan_of(doubled) == plan_of(args)
