# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The filters the roles call: input conversion, error wrapping and the rendered plan."""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.nvair.air.plugins.filter.retention import FilterModule

FILTERS = FilterModule().filters()
NOW = "2026-03-20T12:00:00Z"


def checkpoint(cid, created, *, sim="sim-a", state="COMPLETE", favorite=False, name=None):
    return {
        "id": cid,
        "name": name or f"cp {cid}",
        "favorite": favorite,
        "run": "run-1",
        "state": state,
        "created": created,
        "modified": created,
        "simulation": sim,
    }


CHECKPOINTS = [
    checkpoint("a1", "2026-03-01T00:00:00Z"),
    checkpoint("a2", "2026-03-02T00:00:00Z", favorite=True),
    checkpoint("a3", "2026-03-03T00:00:00Z"),
    checkpoint("a4", "2026-03-04T00:00:00Z"),
    checkpoint("a5", "2026-03-05T00:00:00Z", state="PENDING"),
    checkpoint("b1", "2026-03-01T00:00:00Z", sim="sim-b", name="nightly|1"),
    checkpoint("b2", "2026-03-02T00:00:00Z", sim="sim-b", state="DELETED"),
]


def test_the_collection_exposes_four_filters():
    assert sorted(FILTERS) == [
        "cleanup_plan",
        "plan_markdown",
        "plan_report",
        "plan_summary",
        "retention_plan",
    ]


def test_retention_plan_accepts_command_line_text():
    # -e checkpoint_retention_keep=1 and -e ..._favorites_count=yes arrive as strings.
    plan = FILTERS["retention_plan"](CHECKPOINTS, "1", "yes", "", NOW, "")
    assert plan["policy"]["keep"] == 1
    assert plan["policy"]["favorites_count_toward_keep"] is True
    assert [item["id"] for item in plan["delete"]] == ["a4", "a3", "a1"]


def test_retention_plan_refuses_a_boolean_keep_as_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="retention_plan: keep must be a whole number"):
        FILTERS["retention_plan"](CHECKPOINTS, True, now=NOW)


def test_flags_must_be_booleans():
    with pytest.raises(
        AnsibleFilterError, match="favorites_count_toward_keep must be true or false"
    ):
        FILTERS["retention_plan"](CHECKPOINTS, 1, favorites_count_toward_keep="maybe", now=NOW)
    with pytest.raises(AnsibleFilterError, match="include_favorites must be true or false"):
        FILTERS["cleanup_plan"](CHECKPOINTS, name_pattern="*", include_favorites="2", now=NOW)


def test_cleanup_plan_defaults_to_complete_and_wraps_errors():
    plan = FILTERS["cleanup_plan"](CHECKPOINTS, name_pattern="cp *", now=NOW)
    assert plan["policy"]["states"] == ["COMPLETE"]
    assert [item["id"] for item in plan["delete"]] == ["a4", "a3", "a1"]
    with pytest.raises(AnsibleFilterError, match="cleanup_plan: cleanup needs at least one"):
        FILTERS["cleanup_plan"](CHECKPOINTS, name_pattern="", runs=[], now=NOW)


def test_plan_summary_has_one_line_per_simulation():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 1, now=NOW)
    assert FILTERS["plan_summary"](plan) == [
        "retention at 2026-03-20T12:00:00.000000Z: keep the newest 1 per simulation, plus every "
        "favorite. 2 simulation(s), 7 checkpoint(s), keep 3, delete 2",
        "sim-a: keep 2 (1 newest, 1 favorite), delete 2, ignored 1 (1 PENDING, 0 DELETED)",
        "sim-b: keep 1 (1 newest, 0 favorite), delete 0, ignored 1 (0 PENDING, 1 DELETED)",
    ]


def test_plan_summary_detail_says_why_for_every_checkpoint():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 1, min_age="18d", now=NOW)
    lines = FILTERS["plan_summary"](plan, detail=True)
    assert lines[1] == (
        "sim-a: keep 3 (1 newest, 1 favorite, 1 younger than min_age), delete 1, "
        "ignored 1 (1 PENDING, 0 DELETED)"
    )
    assert lines[2:6] == [
        "  keep   a4 'cp a4' 2026-03-04T00:00:00Z: one of the newest 1",
        "  keep   a3 'cp a3' 2026-03-03T00:00:00Z: younger than min_age",
        "  keep   a2 'cp a2' 2026-03-02T00:00:00Z: favorite",
        "  delete a1 'cp a1' 2026-03-01T00:00:00Z: older than the newest 1",
    ]


def test_plan_summary_for_cleanup():
    plan = FILTERS["cleanup_plan"](
        CHECKPOINTS, name_pattern="*", states=["COMPLETE", "DELETED"], now=NOW
    )
    assert FILTERS["plan_summary"](plan) == [
        "cleanup at 2026-03-20T12:00:00.000000Z: delete matches of name_pattern=['*'], "
        "states=['COMPLETE', 'DELETED']. 2 simulation(s), 7 checkpoint(s), matched 6, "
        "delete 4, keep 1 favorite(s), skip 1",
        "sim-a: matched 4, delete 3, keep 1 favorite",
        "sim-b: matched 2, delete 1, skipped 1 (not COMPLETE)",
    ]


def test_plan_markdown_lists_deletions_and_outcome_and_escapes_cells():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 0, now=NOW)
    text = FILTERS["plan_markdown"](plan, {"deleted": 3, "failed": 0})
    assert text.startswith("# Checkpoint retention report\n")
    assert "| sim-a | 1 | 3 | 1 |" in text
    assert "| sim-b | b1 | nightly\\|1 | 2026-03-01T00:00:00Z | keep is 0 |" in text
    assert text.endswith("## Outcome\n\n- deleted: 3\n- failed: 0\n")


def test_plan_markdown_says_deleted_only_once_the_plan_was_applied():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 0, now=NOW)
    outcome = {"changed": 3, "failed": 0}

    planned = FILTERS["plan_markdown"](plan)
    applied = FILTERS["plan_markdown"](plan, outcome)
    dry_run = FILTERS["plan_markdown"](plan, outcome, check_mode=True)

    assert "## To delete\n" in planned and "## Deleted" not in planned
    assert "| simulation | kept | to delete | ignored or skipped |" in planned
    assert "## Deleted\n" in applied and "## To delete" not in applied
    assert dry_run.startswith("# Checkpoint retention report (check mode: nothing was deleted)\n")
    assert "## To delete\n" in dry_run and "## Deleted" not in dry_run


def test_plan_markdown_refuses_a_check_mode_that_is_not_a_boolean():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 0, now=NOW)
    with pytest.raises(AnsibleFilterError, match="check_mode"):
        FILTERS["plan_markdown"](plan, None, check_mode="perhaps")


def test_plan_report_holds_the_plan_the_outcome_and_only_the_problem_items():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 0, now=NOW)
    results = [
        {"id": "a4", "name": "cp a4", "status": "changed", "msg": "deleted"},
        {"id": "a3", "name": "cp a3", "status": "skipped", "msg": "changed since it was listed"},
        {"id": "a1", "name": "cp a1", "status": "ok", "msg": "already DELETED"},
        {"id": "b1", "name": "nightly|1", "status": "failed", "msg": "503"},
    ]
    outcome = {"changed": 1, "ok": 1, "skipped": 1, "failed": 1, "total": 4}
    text = FILTERS["plan_report"](plan, outcome, check_mode="false", results=results)
    assert text.endswith("}\n")
    assert text.startswith('{\n    "check_mode": false,\n    "plan": {\n')
    assert json.loads(text) == {
        "check_mode": False,
        "plan": plan,
        "outcome": outcome,
        "problems": [results[1], results[3]],
    }


def test_plan_report_in_check_mode_has_no_outcome_and_no_problems():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 1, now=NOW)
    report = json.loads(FILTERS["plan_report"](plan, {}, check_mode=True))
    assert report == {"check_mode": True, "plan": plan, "outcome": {}, "problems": []}


def test_rendering_filters_refuse_something_that_is_not_a_plan():
    for name in ("plan_summary", "plan_markdown", "plan_report"):
        with pytest.raises(AnsibleFilterError, match="expects a plan"):
            FILTERS[name]({"checkpoints": []})


SIM_A = "1d6cb31d-0000-4000-8000-00000000000a"
SIM_B = "2e7dc42e-0000-4000-8000-00000000000b"
NAMED = [
    checkpoint("a1", "2026-03-01T00:00:00Z", sim=SIM_A),
    checkpoint("a2", "2026-03-02T00:00:00Z", sim=SIM_A),
    checkpoint("b1", "2026-03-01T00:00:00Z", sim=SIM_B),
]


def test_plans_carry_simulation_names_and_show_them_with_the_id():
    names = {SIM_A: "lab-fabric"}
    plan = FILTERS["retention_plan"](NAMED, 1, now=NOW, simulation_names=names)

    assert [(e["simulation"], e["name"]) for e in plan["simulations"]] == [
        (SIM_A, "lab-fabric"),
        (SIM_B, None),
    ]
    assert FILTERS["plan_summary"](plan)[1:] == [
        f"lab-fabric ({SIM_A}): keep 1 (1 newest, 0 favorite), delete 1",
        f"{SIM_B}: keep 1 (1 newest, 0 favorite), delete 0",
    ]
    text = FILTERS["plan_markdown"](plan)
    assert "| lab-fabric (1d6cb31d) | 1 | 1 | 0 |" in text
    assert "| lab-fabric (1d6cb31d) | a1 | cp a1 |" in text


def test_cleanup_plan_carries_simulation_names():
    plan = FILTERS["cleanup_plan"](
        NAMED, name_pattern="*", now=NOW, simulation_names={SIM_B: "spine"}
    )
    assert FILTERS["plan_summary"](plan)[2] == f"spine ({SIM_B}): matched 1, delete 1"


def test_simulation_names_must_be_a_mapping():
    with pytest.raises(AnsibleFilterError, match="simulation_names must map simulation ids"):
        FILTERS["retention_plan"](NAMED, 1, now=NOW, simulation_names=["lab-fabric"])


# ansible-core 2.19+ hands filters lazy lists of variables; the filters read the stored dicts
# directly when that is safe. These render real templates to check that it stays correct.
try:
    from ansible.template import Templar, trust_as_template
except ImportError:  # ansible-core before 2.19 has no trust tags and no lazy lists
    Templar = trust_as_template = None

needs_lazy_templating = pytest.mark.skipif(
    trust_as_template is None, reason="ansible-core before 2.19 passes plain lists"
)


def render(expression, **variables):
    return Templar(variables=variables).template(trust_as_template(expression))


@needs_lazy_templating
def test_a_listing_held_in_a_variable_plans_exactly_like_the_plain_list():
    for name, call in (
        ("retention_plan", "retention_plan(1, now=now)"),
        ("cleanup_plan", "cleanup_plan(name_pattern='cp *', now=now)"),
    ):
        plan = render(f"{{{{ listing | nvair.air.{call} }}}}", listing=CHECKPOINTS, now=NOW)
        expected = (
            FILTERS[name](CHECKPOINTS, 1, now=NOW)
            if name == "retention_plan"
            else FILTERS[name](CHECKPOINTS, name_pattern="cp *", now=NOW)
        )
        assert plan == expected


@needs_lazy_templating
def test_templates_in_a_hand_written_listing_are_rendered_before_planning():
    listing = [dict(cp) for cp in CHECKPOINTS]
    listing[3]["name"] = trust_as_template("{{ newest_name }}")
    plan = render(
        "{{ listing | nvair.air.retention_plan(1, now=now) }}",
        listing=listing,
        newest_name="renamed by a template",
        now=NOW,
    )
    kept = {item["id"]: item["name"] for entry in plan["simulations"] for item in entry["kept"]}
    assert kept["a4"] == "renamed by a template"


@needs_lazy_templating
def test_reports_of_a_plan_held_in_a_variable_match_the_plain_plan():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 1, now=NOW)
    outcome = {"changed": 2, "failed": 0}
    for call, expected in (
        ("plan_summary(detail=true)", FILTERS["plan_summary"](plan, detail=True)),
        ("plan_markdown(outcome)", FILTERS["plan_markdown"](plan, outcome)),
        ("plan_report(outcome, check_mode=true)", FILTERS["plan_report"](plan, outcome, True)),
    ):
        text = render(f"{{{{ plan | nvair.air.{call} }}}}", plan=plan, outcome=outcome)
        assert text == expected


@needs_lazy_templating
def test_templates_in_a_hand_written_plan_are_rendered_in_the_reports():
    plan = FILTERS["retention_plan"](CHECKPOINTS, 1, now=NOW)
    plan["simulations"][0]["deleted"][0]["reason"] = trust_as_template("{{ why }}")
    markdown = render("{{ plan | nvair.air.plan_markdown }}", plan=plan, why="told by a template")
    report = render("{{ plan | nvair.air.plan_report }}", plan=plan, why="told by a template")
    assert "| told by a template |" in markdown
    assert json.loads(report)["plan"]["simulations"][0]["deleted"][0]["reason"] == (
        "told by a template"
    )
