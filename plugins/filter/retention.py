# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that expose the retention and cleanup planners to the roles.

The selection itself lives in ``module_utils/retention.py``; this file only converts Jinja
inputs, turns planner errors into filter errors, and renders plans as text.
Documentation: the ``retention_plan.yml``, ``cleanup_plan.yml``, ``plan_summary.yml`` and
``plan_markdown.yml`` files next to this one.
"""

from __future__ import annotations

import json

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

try:
    from ansible.template import is_trusted_as_template
except ImportError:  # ansible-core before 2.19: no trust tags, and no lazy lists either
    is_trusted_as_template = None

from ansible_collections.nvair.air.plugins.module_utils.retention import (
    RetentionError,
    plan_cleanup,
    plan_retention,
)


def _flag(value, option):
    # -e on the command line hands booleans over as text, so "true" and "no" are accepted here.
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise AnsibleFilterError(f"{option} must be true or false, got {value!r}") from None


def _none_if_empty(value):
    return None if value in (None, "", []) else value


_PLAIN = (str, bool, int, float, type(None))


class _Templated(Exception):
    """Raised inside _stored when a value needs ansible-core's templating after all."""


def _stored_value(value):
    stored = getattr(value, "_non_lazy_copy", None)
    if stored is not None:
        value = stored()
    if isinstance(value, dict):
        return {_stored_value(key): _stored_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stored_value(item) for item in value]
    if type(value) in _PLAIN:
        return value
    if isinstance(value, str) and is_trusted_as_template is not None:
        if is_trusted_as_template(value):
            raise _Templated()
        return value
    raise _Templated()


def _stored(value):
    """A listing, a plan or a module result as plain data, when none of it is a template.

    From ansible-core 2.19 a filter receives lazy containers that template every value on
    access: about 1 s for the 80,000 values of 10,000 checkpoints, or 0.6 s for the items of
    9,000 planned deletions. A module's result holds no templates, so the stored values are
    read directly (a walk of about 0.05 s); anything that is a trusted template, and any change
    in ansible-core's private `_non_lazy_copy`, takes the ordinary, templated path. Before 2.19
    there are no lazy containers and the value is used as it is.
    """
    if getattr(value, "_non_lazy_copy", None) is None:
        return value
    try:
        return _stored_value(value)
    except Exception:  # pylint: disable=broad-exception-caught  # _Templated, or a private API change
        return _rendered(value)


def _rendered(value):
    """Plain data read through the lazy containers' own access, which templates as it goes."""
    if isinstance(value, dict):
        return {key: _rendered(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rendered(item) for item in value]
    return value


def retention_plan(
    checkpoints,
    keep,
    favorites_count_toward_keep=False,
    min_age=None,
    now=None,
    simulations=None,
    simulation_names=None,
):
    try:
        return plan_retention(
            _stored(checkpoints),
            keep,
            favorites_count_toward_keep=_flag(
                favorites_count_toward_keep, "favorites_count_toward_keep"
            ),
            min_age=_none_if_empty(min_age),
            now=_none_if_empty(now),
            simulations=_none_if_empty(simulations),
            simulation_names=_none_if_empty(simulation_names),
        )
    except RetentionError as err:
        raise AnsibleFilterError(f"retention_plan: {err}") from None


def cleanup_plan(
    checkpoints,
    name_pattern=None,
    older_than=None,
    runs=None,
    simulations=None,
    states=None,
    include_favorites=False,
    now=None,
    simulation_names=None,
):
    try:
        return plan_cleanup(
            _stored(checkpoints),
            name_pattern=_none_if_empty(name_pattern),
            older_than=_none_if_empty(older_than),
            runs=_none_if_empty(runs),
            simulations=_none_if_empty(simulations),
            states=_none_if_empty(states) or ("COMPLETE",),
            include_favorites=_flag(include_favorites, "include_favorites"),
            now=_none_if_empty(now),
            simulation_names=_none_if_empty(simulation_names),
        )
    except RetentionError as err:
        raise AnsibleFilterError(f"cleanup_plan: {err}") from None


def _check_plan(plan, name):
    if not isinstance(plan, dict) or plan.get("kind") not in ("retention", "cleanup"):
        raise AnsibleFilterError(
            f"{name} expects a plan from nvair.air.retention_plan or nvair.air.cleanup_plan"
        )


SHORT_ID = 8


def _simulation_label(entry, short=False) -> str:
    """'name (id)' so a reader sees the name and can still tell same-named simulations apart."""
    sim, name = entry.get("simulation"), entry.get("name")
    if not sim:
        return "(no simulation)"
    if not name:
        return sim
    return f"{name} ({sim[:SHORT_ID] if short else sim})"


def _simulation_line(plan, entry) -> str:
    sim = _simulation_label(entry)
    kept = entry["kept"]
    favorites = sum(1 for k in kept if k["favorite"])
    if plan["kind"] == "retention":
        young = entry["protected_by_min_age"]
        reasons = [f"{len(kept) - favorites - young} newest", f"{favorites} favorite"]
        if young:
            reasons.append(f"{young} younger than min_age")
        line = f"{sim}: keep {len(kept)} ({', '.join(reasons)}), delete {len(entry['deleted'])}"
        if entry["ignored"]:
            other = entry["ignored"] - entry["pending"] - entry["already_deleted"]
            parts = [f"{entry['pending']} PENDING", f"{entry['already_deleted']} DELETED"]
            if other:
                parts.append(f"{other} other state")
            line += f", ignored {entry['ignored']} ({', '.join(parts)})"
        return line
    line = f"{sim}: matched {entry['matched']}, delete {len(entry['deleted'])}"
    if kept:
        line += f", keep {len(kept)} favorite"
    if entry["skipped"]:
        line += f", skipped {len(entry['skipped'])} (not COMPLETE)"
    return line


def _header(plan) -> str:
    policy, totals = plan["policy"], plan["totals"]
    if plan["kind"] == "retention":
        rule = f"keep the newest {policy['keep']} per simulation"
        rule += (
            ", favorites count toward it"
            if policy["favorites_count_toward_keep"]
            else ", plus every favorite"
        )
        if policy["min_age"]:
            rule += f", nothing younger than {policy['min_age']}"
    else:
        rule = "delete matches of " + ", ".join(
            f"{key}={policy[key]}"
            for key in ("name_pattern", "older_than", "runs", "simulations", "states")
            if policy[key]
        )
        if policy["include_favorites"]:
            rule += ", favorites included"
    counts = f"{totals['simulations']} simulation(s), {totals['checkpoints']} checkpoint(s), "
    if plan["kind"] == "retention":
        counts += f"keep {totals['kept']}, delete {totals['delete']}"
    else:
        counts += (
            f"matched {totals['matched']}, delete {totals['delete']}, "
            f"keep {totals['kept']} favorite(s), skip {totals['skipped']}"
        )
    return f"{plan['kind']} at {policy['now']}: {rule}. {counts}"


def plan_summary(plan, detail=False):
    plan = _stored(plan)
    _check_plan(plan, "plan_summary")
    lines = [_header(plan)]
    for entry in plan["simulations"]:
        lines.append(_simulation_line(plan, entry))
        if _flag(detail, "detail"):
            for item in entry["kept"]:
                lines.append(
                    f"  keep   {item['id']} {item['name']!r} {item['created']}: {item['reason']}"
                )
            for item in entry["deleted"]:
                lines.append(
                    f"  delete {item['id']} {item['name']!r} {item['created']}: {item['reason']}"
                )
            for item in entry.get("skipped", ()):
                lines.append(f"  skip   {item['id']} {item['name']!r}: {item['reason']}")
    if plan.get("unresolved"):
        lines.append(
            f"left alone: {len(plan['unresolved'])} checkpoint(s) whose run has no known simulation"
        )
    return lines


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def plan_markdown(plan, outcome=None, check_mode=False):
    plan, outcome = _stored(plan), _stored(outcome)
    _check_plan(plan, "plan_markdown")
    check_mode = _flag(check_mode, "check_mode")
    title = f"# Checkpoint {plan['kind']} report"
    # A report read on its own must not claim deletions that a dry run or a stopped run never
    # made: only an outcome says the plan was applied.
    applied = isinstance(outcome, dict) and bool(outcome) and not check_mode
    if check_mode:
        title += " (check mode: nothing was deleted)"
    out = [title, "", _header(plan), "", "## Per simulation", ""]
    deleted = "deleted" if applied else "to delete"
    out.append(f"| simulation | kept | {deleted} | ignored or skipped |")
    out.append("|---|---:|---:|---:|")
    for entry in plan["simulations"]:
        other = entry.get("ignored", len(entry.get("skipped", ())))
        out.append(
            f"| {_cell(_simulation_label(entry, short=True))} | {len(entry['kept'])} "
            f"| {len(entry['deleted'])} | {other} |"
        )
    out += ["", "## Totals", ""]
    out += [f"- {key}: {value}" for key, value in plan["totals"].items()]
    if plan["delete"]:
        heading = "## Deleted" if applied else "## To delete"
        out += ["", heading, "", "| simulation | checkpoint | name | created | why |"]
        out.append("|---|---|---|---|---|")
        for entry in plan["simulations"]:
            sim = _simulation_label(entry, short=True)
            for item in entry["deleted"]:
                cells = [sim] + [item[key] for key in ("id", "name", "created", "reason")]
                out.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    if isinstance(outcome, dict) and outcome:
        out += ["", "## Outcome", ""]
        out += [f"- {key}: {_cell(value)}" for key, value in sorted(outcome.items())]
    return "\n".join(out) + "\n"


def plan_report(plan, outcome=None, check_mode=False, results=None):
    """The JSON report: the plan, the outcome, and the items the module did not change."""
    plan, outcome, results = _stored(plan), _stored(outcome), _stored(results)
    _check_plan(plan, "plan_report")
    report = {
        "check_mode": _flag(check_mode, "check_mode"),
        "plan": plan,
        "outcome": outcome or {},
        "problems": [item for item in results or () if item.get("status") not in ("changed", "ok")],
    }
    return json.dumps(report, indent=4) + "\n"


class FilterModule:
    def filters(self):
        return {
            "retention_plan": retention_plan,
            "cleanup_plan": cleanup_plan,
            "plan_summary": plan_summary,
            "plan_markdown": plan_markdown,
            "plan_report": plan_report,
        }
