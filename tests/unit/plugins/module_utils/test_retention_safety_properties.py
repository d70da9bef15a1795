# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Safety properties judged from the data after applying a plan, not from the plan's own lists.

test_retention_properties.py checks the plan's `kept` and `deleted` entries; these check what
would be left in Air if every planned deletion happened, counted from the source checkpoints.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.nvair.air.plugins.module_utils.retention import plan_cleanup
from ansible_collections.nvair.air.tests.unit.plugins.module_utils.test_retention_properties import (
    NOW,
    SIMS,
    apply,
    checkpoint_sets,
    plan_of,
    retention_inputs,
)


def usable(checkpoints, sim):
    return [cp for cp in checkpoints if cp["simulation"] == sim and cp["state"] == "COMPLETE"]


@given(retention_inputs)
@settings(max_examples=300, deadline=None)
def test_after_retention_every_simulation_keeps_min_of_keep_and_what_it_had(args):
    after = apply(args["checkpoints"], plan_of(args))
    for sim in SIMS:
        had = len(usable(args["checkpoints"], sim))
        assert len(usable(after, sim)) >= min(args["keep"], had)


@given(retention_inputs)
@settings(max_examples=300, deadline=None)
def test_after_retention_every_favorite_and_non_complete_checkpoint_is_unchanged(args):
    after = {cp["id"]: cp for cp in apply(args["checkpoints"], plan_of(args))}
    for cp in args["checkpoints"]:
        if cp["favorite"] or cp["state"] != "COMPLETE":
            assert after[cp["id"]] == cp


@given(retention_inputs, st.sets(st.sampled_from(SIMS), min_size=1))
@settings(max_examples=300, deadline=None)
def test_retention_scoped_to_simulations_leaves_the_others_unchanged(args, scope):
    after = apply(args["checkpoints"], plan_of(args, simulations=sorted(scope)))
    for before, now in zip(args["checkpoints"], after, strict=True):
        if before["simulation"] not in scope:
            assert now == before


@given(
    checkpoint_sets(),
    st.sets(st.sampled_from(SIMS), min_size=1),
    st.booleans(),
    st.sampled_from([None, "1h", "1d"]),
)
@settings(max_examples=300, deadline=None)
def test_cleanup_scoped_to_simulations_leaves_the_others_unchanged(cps, scope, favorites, older):
    plan = plan_cleanup(
        cps,
        name_pattern="*",
        older_than=older,
        simulations=sorted(scope),
        include_favorites=favorites,
        now=NOW,
    )
    after = apply(cps, plan)
    for before, now in zip(cps, after, strict=True):
        if before["simulation"] not in scope:
            assert now == before
