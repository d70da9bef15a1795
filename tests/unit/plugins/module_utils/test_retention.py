# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The retention and cleanup selection rules, case by case."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.nvair.air.plugins.module_utils.retention import (
    RetentionError,
    plan_cleanup,
    plan_retention,
    validate_keep,
)

NOW = datetime(2026, 3, 20, 12, 0, 0, tzinfo=timezone.utc)


def checkpoint(
    cid,
    created,
    *,
    sim="sim-a",
    state="COMPLETE",
    favorite=False,
    name=None,
    run="run-1",
    modified=None,
):
    return {
        "id": cid,
        "name": name if name is not None else f"Checkpoint {cid}",
        "favorite": favorite,
        "run": run,
        "state": state,
        "created": created,
        "modified": modified or created,
        "simulation": sim,
        "metadata": {},
    }


def day(n, hour=0):
    """A created timestamp n days into March 2026."""
    return f"2026-03-{n:02d}T{hour:02d}:00:00.000000Z"


def ids(items):
    return [item["id"] for item in items]


def entry(plan, sim):
    (found,) = [e for e in plan["simulations"] if e["simulation"] == sim]
    return found


# -- retention: ordering ----------------------------------------------------------------------


def test_newest_is_decided_by_created_not_by_name():
    # As text "Checkpoint 9" sorts after "Checkpoint 10"; creation order says otherwise.
    cps = [
        checkpoint("c1", day(1), name="Checkpoint 9"),
        checkpoint("c2", day(2), name="Checkpoint 10"),
        checkpoint("c3", day(3), name="Checkpoint 11"),
    ]
    plan = plan_retention(cps, 2, now=NOW)
    assert ids(plan["delete"]) == ["c1"]
    assert ids(entry(plan, "sim-a")["kept"]) == ["c3", "c2"]


def test_offsets_are_compared_as_time_not_text():
    # 11:00+02:00 is 09:00Z: older than 10:00Z although it sorts later as text.
    cps = [
        checkpoint("east", "2026-03-10T11:00:00+02:00"),
        checkpoint("utc", "2026-03-10T10:00:00Z"),
    ]
    plan = plan_retention(cps, 1, now=NOW)
    assert ids(plan["delete"]) == ["east"]


def test_fraction_lengths_are_compared_as_time_not_text():
    # "…00Z" sorts after "…00.1Z" as text, yet it is the older instant.
    cps = [
        checkpoint("whole", "2026-03-10T10:00:00Z"),
        checkpoint("tenth", "2026-03-10T10:00:00.1Z"),
    ]
    plan = plan_retention(cps, 1, now=NOW)
    assert ids(plan["delete"]) == ["whole"]


def test_equal_instants_are_ordered_by_id_larger_counts_as_newer():
    cps = [
        checkpoint("b", "2026-03-10T12:00:00+02:00"),
        checkpoint("a", "2026-03-10T10:00:00.000000Z"),
        checkpoint("c", "2026-03-10T10:00:00Z"),
    ]
    plan = plan_retention(cps, 1, now=NOW)
    assert ids(entry(plan, "sim-a")["kept"]) == ["c"]
    assert ids(plan["delete"]) == ["b", "a"]
    # The input order must not change the answer.
    assert plan_retention(list(reversed(cps)), 1, now=NOW) == plan


# -- retention: favorites, states, keep 0 -----------------------------------------------------


def five_with_two_old_favorites():
    return [
        checkpoint("f1", day(1), favorite=True),
        checkpoint("f2", day(2), favorite=True),
        checkpoint("n3", day(3)),
        checkpoint("n4", day(4)),
        checkpoint("n5", day(5)),
    ]


def test_favorites_are_kept_and_by_default_do_not_count_toward_keep():
    plan = plan_retention(five_with_two_old_favorites(), 2, now=NOW)
    kept = entry(plan, "sim-a")["kept"]
    assert [(k["id"], k["reason"]) for k in kept] == [
        ("n5", "one of the newest 2"),
        ("n4", "one of the newest 2"),
        ("f2", "favorite"),
        ("f1", "favorite"),
    ]
    assert ids(plan["delete"]) == ["n3"]
    assert plan["totals"]["favorites_kept"] == 2


def test_favorites_can_count_toward_keep():
    plan = plan_retention(
        five_with_two_old_favorites(), 3, favorites_count_toward_keep=True, now=NOW
    )
    assert ids(entry(plan, "sim-a")["kept"]) == ["n5", "f2", "f1"]
    assert ids(plan["delete"]) == ["n4", "n3"]
    assert entry(plan, "sim-a")["deleted"][0]["reason"] == (
        "older than the newest 1 non-favorites; 2 favorite(s) count toward keep 3"
    )


def test_favorites_beyond_keep_are_still_kept_when_they_count():
    plan = plan_retention(
        five_with_two_old_favorites(), 1, favorites_count_toward_keep=True, now=NOW
    )
    assert ids(entry(plan, "sim-a")["kept"]) == ["f2", "f1"]
    assert ids(plan["delete"]) == ["n5", "n4", "n3"]


def test_pending_and_deleted_are_never_touched_nor_counted_toward_keep():
    cps = [
        checkpoint("old", day(1)),
        checkpoint("mid", day(2)),
        checkpoint("gone", day(3), state="DELETED"),
        checkpoint("saving", day(4), state="PENDING"),
    ]
    plan = plan_retention(cps, 1, now=NOW)
    sim = entry(plan, "sim-a")
    assert ids(sim["kept"]) == ["mid"]
    assert ids(sim["deleted"]) == ["old"]
    assert (sim["pending"], sim["already_deleted"], sim["ignored"]) == (1, 1, 2)
    assert plan["totals"]["pending_ignored"] == 1
    assert plan["totals"]["deleted_ignored"] == 1


def test_keep_zero_deletes_every_complete_non_favorite():
    plan = plan_retention(five_with_two_old_favorites(), 0, now=NOW)
    assert ids(plan["delete"]) == ["n5", "n4", "n3"]
    assert {d["reason"] for d in entry(plan, "sim-a")["deleted"]} == {"keep is 0"}
    assert ids(entry(plan, "sim-a")["kept"]) == ["f2", "f1"]


# -- retention: simulations -------------------------------------------------------------------


def test_each_simulation_keeps_its_own_newest():
    cps = [checkpoint(f"a{n}", day(10 + n), sim="sim-a") for n in range(4)]
    cps += [checkpoint(f"b{n}", day(1 + n), sim="sim-b") for n in range(2)]
    plan = plan_retention(cps, 2, now=NOW)
    # sim-b's checkpoints are older than all of sim-a's and still survive.
    assert ids(entry(plan, "sim-b")["kept"]) == ["b1", "b0"]
    assert ids(entry(plan, "sim-a")["kept"]) == ["a3", "a2"]
    assert ids(plan["delete"]) == ["a1", "a0"]
    assert [e["simulation"] for e in plan["simulations"]] == ["sim-a", "sim-b"]


def test_scope_lists_empty_simulations_and_leaves_others_alone():
    cps = [
        checkpoint("a1", day(1), sim="sim-a"),
        checkpoint("a2", day(2), sim="sim-a"),
        checkpoint("b1", day(1), sim="sim-b"),
        checkpoint("b2", day(2), sim="sim-b"),
    ]
    plan = plan_retention(cps, 1, now=NOW, simulations=["sim-empty", "sim-a"])
    assert [e["simulation"] for e in plan["simulations"]] == ["sim-a", "sim-empty"]
    assert entry(plan, "sim-empty")["kept"] == []
    assert entry(plan, "sim-empty")["deleted"] == []
    assert ids(plan["delete"]) == ["a1"]
    assert plan["totals"]["checkpoints"] == 2


def test_simulation_with_only_pending_and_deleted_deletes_nothing():
    cps = [
        checkpoint("p", day(1), state="PENDING"),
        checkpoint("d", day(2), state="DELETED"),
    ]
    plan = plan_retention(cps, 0, now=NOW)
    assert plan["delete"] == []
    assert entry(plan, "sim-a")["ignored"] == 2


def test_checkpoints_without_simulation_are_reported_and_never_deleted():
    cps = [checkpoint("lost", day(1), sim=None), checkpoint("a1", day(2))]
    plan = plan_retention(cps, 0, now=NOW)
    assert ids(plan["delete"]) == ["a1"]
    assert plan["unresolved"] == ["lost"]
    assert plan["totals"]["unresolved"] == 1


def test_a_checkpoint_listed_twice_counts_once_in_its_latest_state():
    # Listed as PENDING, then as COMPLETE by a second listing a moment later.
    cps = [
        checkpoint("new", day(5), state="PENDING", modified=day(5)),
        checkpoint("mid", day(4)),
        checkpoint("old", day(3)),
        checkpoint("new", day(5), modified=day(5, hour=1)),
        checkpoint("mid", day(4)),
    ]
    plan = plan_retention(cps, 2, now=NOW)
    assert ids(entry(plan, "sim-a")["kept"]) == ["new", "mid"]
    assert ids(plan["delete"]) == ["old"]
    assert (plan["totals"]["checkpoints"], plan["totals"]["pending_ignored"]) == (3, 0)


def test_empty_input_gives_an_empty_plan():
    plan = plan_retention([], 3, now=NOW)
    assert plan["simulations"] == []
    assert plan["delete"] == []
    assert plan["totals"]["delete"] == 0


# -- retention: min_age -----------------------------------------------------------------------


def test_min_age_boundary():
    cps = [
        checkpoint("exactly-1d", "2026-03-19T12:00:00Z"),
        checkpoint("1s-younger", "2026-03-19T12:00:01Z"),
        checkpoint("newest", "2026-03-20T11:00:00Z"),
    ]
    plan = plan_retention(cps, 1, min_age="1d", now=NOW)
    sim = entry(plan, "sim-a")
    assert [(k["id"], k["reason"]) for k in sim["kept"]] == [
        ("newest", "one of the newest 1"),
        ("1s-younger", "younger than min_age"),
    ]
    assert ids(plan["delete"]) == ["exactly-1d"]
    assert sim["protected_by_min_age"] == 1
    assert plan["policy"]["min_age"] == "1d"


def test_min_age_accepts_timedelta_and_seconds():
    cps = [checkpoint("old", "2026-03-20T10:00:00Z"), checkpoint("new", "2026-03-20T11:00:00Z")]
    for value in (timedelta(hours=3), 3 * 3600, "3h"):
        assert plan_retention(cps, 0, min_age=value, now=NOW)["delete"] == []
    assert ids(plan_retention(cps, 0, min_age="", now=NOW)["delete"]) == ["new", "old"]


def test_future_created_counts_as_young():
    cps = [checkpoint("skewed", "2026-03-21T00:00:00Z")]
    assert plan_retention(cps, 0, min_age="1h", now=NOW)["delete"] == []


# -- retention: output shape ------------------------------------------------------------------


def test_plan_shape_for_a_small_case():
    cps = [
        checkpoint("c1", day(1), modified="2026-03-05T00:00:00Z", run="r1"),
        checkpoint("c2", day(2), favorite=True),
        checkpoint("c3", day(3)),
        checkpoint("c4", day(4), state="PENDING"),
    ]
    plan = plan_retention(cps, 1, now=NOW)
    assert plan == {
        "kind": "retention",
        "policy": {
            "keep": 1,
            "favorites_count_toward_keep": False,
            "min_age": None,
            "now": "2026-03-20T12:00:00.000000Z",
            "simulations": None,
        },
        "simulations": [
            {
                "simulation": "sim-a",
                "name": None,
                "complete": 3,
                "kept": [
                    {
                        "id": "c3",
                        "name": "Checkpoint c3",
                        "created": day(3),
                        "favorite": False,
                        "reason": "one of the newest 1",
                    },
                    {
                        "id": "c2",
                        "name": "Checkpoint c2",
                        "created": day(2),
                        "favorite": True,
                        "reason": "favorite",
                    },
                ],
                "deleted": [
                    {
                        "id": "c1",
                        "name": "Checkpoint c1",
                        "created": day(1),
                        "reason": "older than the newest 1",
                    }
                ],
                "pending": 1,
                "already_deleted": 0,
                "ignored": 1,
                "protected_by_min_age": 0,
            }
        ],
        "delete": [{"id": "c1", "simulation": "sim-a", "modified": "2026-03-05T00:00:00Z"}],
        "unresolved": [],
        "totals": {
            "simulations": 1,
            "checkpoints": 4,
            "complete": 3,
            "kept": 2,
            "delete": 1,
            "favorites_kept": 1,
            "protected_by_min_age": 0,
            "pending_ignored": 1,
            "deleted_ignored": 0,
            "ignored": 1,
            "unresolved": 0,
        },
    }


# -- retention: input validation --------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_keep_refuses_booleans(value):
    with pytest.raises(RetentionError, match="got the boolean"):
        plan_retention([], value, now=NOW)


@pytest.mark.parametrize("value", [-1, 1.5, "3.0", "-2", "three", None, [3]])
def test_keep_refuses_anything_but_a_whole_number(value):
    with pytest.raises(RetentionError, match="keep must be"):
        validate_keep(value)


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (3, 3), ("3", 3), (" 12 ", 12)])
def test_keep_accepts_whole_numbers_and_digit_strings(value, expected):
    assert validate_keep(value) == expected


def test_naive_now_is_refused():
    with pytest.raises(RetentionError, match="time zone"):
        plan_retention([], 1, now=datetime(2026, 3, 20))


def test_bad_min_age_names_the_option():
    with pytest.raises(RetentionError, match="min_age must be an age"):
        plan_retention([], 1, min_age="soon", now=NOW)


def test_unreadable_created_refuses_the_whole_plan():
    cps = [checkpoint("ok", day(1)), checkpoint("broken", "yesterday")]
    with pytest.raises(RetentionError, match="checkpoint broken has a created timestamp"):
        plan_retention(cps, 1, now=NOW)


def test_input_must_be_a_list_of_checkpoints():
    with pytest.raises(RetentionError, match="'checkpoints' result"):
        plan_retention({"checkpoints": []}, 1, now=NOW)
    with pytest.raises(RetentionError, match="with an 'id'"):
        plan_retention([{"name": "x"}], 1, now=NOW)


# -- cleanup ----------------------------------------------------------------------------------


def cleanup_set():
    return [
        checkpoint("n1", day(1), name="nightly-1", run="r1"),
        checkpoint("n2", day(15), name="nightly-2", run="r2"),
        checkpoint("nf", day(2), name="nightly-fav", favorite=True),
        checkpoint("np", day(3), name="nightly-saving", state="PENDING"),
        checkpoint("nd", day(4), name="nightly-gone", state="DELETED"),
        checkpoint("pre", day(1), name="pre-nightly-1"),
        checkpoint("up", day(1), name="Nightly-upper"),
        checkpoint("b1", day(1), name="nightly-b", sim="sim-b", run="r9"),
    ]


def test_delete_holds_what_air_checkpoint_needs_in_the_per_simulation_order():
    cps = [
        *five_with_two_old_favorites(),
        checkpoint("b1", day(1), sim="sim-b"),
        checkpoint("b2", day(2), sim="sim-b", modified="2026-03-09T08:00:00Z"),
    ]
    for plan in (
        plan_retention(cps, 1, now=NOW),
        plan_cleanup(cps, older_than="1h", now=NOW),
    ):
        source = {cp["id"]: cp for cp in cps}
        dropped = [item["id"] for sim in plan["simulations"] for item in sim["deleted"]]
        assert ids(plan["delete"]) == dropped
        assert plan["delete"] == [
            {
                "id": cid,
                "simulation": source[cid]["simulation"],
                "modified": source[cid]["modified"],
            }
            for cid in dropped
        ]


def test_cleanup_needs_a_criterion():
    with pytest.raises(RetentionError, match="at least one criterion"):
        plan_cleanup(cleanup_set(), now=NOW)
    with pytest.raises(RetentionError, match="at least one criterion"):
        plan_cleanup(cleanup_set(), name_pattern="", runs=[], now=NOW)


def test_cleanup_glob_matches_whole_name_case_sensitively():
    plan = plan_cleanup(cleanup_set(), name_pattern="nightly-*", now=NOW)
    assert ids(plan["delete"]) == ["n2", "n1", "b1"]
    assert entry(plan, "sim-a")["deleted"][0]["reason"] == "name matches 'nightly-*'"


def test_cleanup_keeps_favorites_unless_asked():
    plan = plan_cleanup(cleanup_set(), name_pattern="nightly-*", now=NOW)
    assert [(k["id"], k["reason"]) for k in entry(plan, "sim-a")["kept"]] == [
        ("nf", "favorite (include_favorites is off)")
    ]
    forced = plan_cleanup(cleanup_set(), name_pattern="nightly-*", include_favorites=True, now=NOW)
    assert ids(forced["delete"]) == ["n2", "nf", "n1", "b1"]


def test_cleanup_older_than_is_strict_and_combines_with_and():
    plan = plan_cleanup(
        cleanup_set(), name_pattern=["nightly-*", "pre-*"], older_than="19d", now=NOW
    )
    # 19 days before NOW is 2026-03-01T12:00Z: day(1) at 00:00 matches, day(15) does not.
    assert ids(plan["delete"]) == ["pre", "n1", "b1"]
    exact = plan_cleanup(cleanup_set(), older_than=day(1), now=NOW)
    assert exact["delete"] == []


def test_cleanup_by_run_and_simulation():
    assert ids(plan_cleanup(cleanup_set(), runs=["r1", "r9"], now=NOW)["delete"]) == ["n1", "b1"]
    plan = plan_cleanup(cleanup_set(), simulations=["sim-b", "sim-c"], now=NOW)
    assert ids(plan["delete"]) == ["b1"]
    assert [e["simulation"] for e in plan["simulations"]] == ["sim-b", "sim-c"]


def test_cleanup_never_deletes_pending_or_deleted_even_when_selected():
    plan = plan_cleanup(
        cleanup_set(), name_pattern="nightly-*", states=["pending", "DELETED"], now=NOW
    )
    assert plan["delete"] == []
    assert [(s["id"], s["reason"]) for s in entry(plan, "sim-a")["skipped"]] == [
        ("nd", "already DELETED"),
        ("np", "PENDING: only COMPLETE checkpoints can be deleted"),
    ]


def test_cleanup_rejects_unknown_states():
    with pytest.raises(RetentionError, match="states may only hold"):
        plan_cleanup(cleanup_set(), name_pattern="*", states=["GONE"], now=NOW)
    with pytest.raises(RetentionError, match="non-empty list"):
        plan_cleanup(cleanup_set(), name_pattern="*", states=[], now=NOW)


def test_cleanup_rejects_bad_older_than():
    with pytest.raises(RetentionError, match="older_than must be"):
        plan_cleanup(cleanup_set(), older_than="last week", now=NOW)
