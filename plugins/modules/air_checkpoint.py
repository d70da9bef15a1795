#!/usr/bin/python
# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: air_checkpoint
short_description: Rename, favorite and delete NVIDIA Air checkpoints, one or many at once
version_added: 0.1.0
description:
  - Changes the O(name) and O(favorite) flag of an NVIDIA Air checkpoint, or deletes it.
  - Works on one checkpoint, chosen by O(id) or by O(simulation) and O(name), or on a list of
    checkpoints given in O(checkpoints), processed in one module run with bounded concurrency.
  - The Air API cannot create checkpoints; they come from shutting a simulation down. So
    O(state=present) fails for a checkpoint that does not exist.
  - Only the options that are set are compared, and a single PATCH sends only what differs.
  - Deleting is a soft delete in Air; the checkpoint stays listed with state C(DELETED). A
    C(DELETED) checkpoint or one that is not found counts as already absent.
options:
  id:
    description:
      - The checkpoint's id (a UUID).
      - With O(id), O(name) is the name the checkpoint should have (a rename).
      - Mutually exclusive with O(simulation) and O(checkpoints).
    type: str
  simulation:
    description:
      - The simulation (id or exact name) whose checkpoint named O(name) is meant.
      - O(name) then selects the checkpoint and is compared exactly, without trimming or case
        folding. C(DELETED) checkpoints are not considered.
      - When several checkpoints of the simulation have that name the task fails and lists
        their ids and creation times; use O(id) to choose one.
    type: str
  name:
    description:
      - With O(id), the desired name. With O(simulation), the name that selects the
        checkpoint.
      - At most 128 characters, counted as Unicode code points (Python characters); a longer
        name fails before any request is made. An empty name is allowed.
      - Not allowed with O(checkpoints).
    type: str
  favorite:
    description:
      - Whether the checkpoint is a favorite, which Air prefers to keep when it deletes old
        checkpoints on its own.
      - Ansible boolean values are accepted (V(yes), V(1), V("True") all mean true).
      - Only with O(state=present); required there in the list form.
    type: bool
  state:
    description:
      - V(present) sets O(name) and O(favorite).
      - V(absent) deletes C(COMPLETE) checkpoints. A C(PENDING) checkpoint (still being saved)
        fails unless O(wait=true).
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - Delete favorites too. Without it, O(state=absent) refuses a favorite checkpoint. The
        single form fails, and in the list form that item fails.
      - "The reason given is C(favorite; set force: true to delete favorites)."
    type: bool
    default: false
  wait:
    description:
      - Wait for a C(PENDING) checkpoint to become C(COMPLETE) before acting on it.
      - Polls with a growing delay (2 seconds up to 10 seconds) until O(wait_timeout).
      - Check mode never waits; it reports what would happen once the checkpoint is complete.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true). On timeout the task (or the list item) fails, and the
        single form returns the last seen checkpoint.
    type: int
    default: 600
  checkpoints:
    description:
      - The list form. Each element is a checkpoint id, or a dictionary with an C(id) key, for
        example an element of RV(nvair.air.air_checkpoint_info#module:checkpoints) or of a
        retention plan's C(delete) list. Other keys are ignored, except C(modified) and
        C(simulation).
      - Every item is read again just before it is acted on. Items whose C(simulation) is a
        simulation id are read in batches, with one listing of that simulation's C(COMPLETE)
        checkpoints per batch of at most 100 items, instead of one request per item; an item
        the listing does not show (deleted meanwhile, not C(COMPLETE), or of another simulation)
        is read on its own. Items without C(simulation) are read one by one.
      - When an element has C(modified) and the checkpoint's current C(modified) time differs,
        the item is skipped with the reason C(changed since it was listed), so a checkpoint
        renamed or made a favorite after it was listed is not deleted.
      - Every element is checked before any request; an element that is not a UUID fails the
        task naming C(checkpoints[i]). Repeated ids are processed once (the first wins).
      - Allowed with O(state=absent), or with O(state=present) and O(favorite).
      - Mutually exclusive with O(id), O(simulation) and O(name).
    type: list
    elements: raw
  concurrency:
    description:
      - How many requests of the list form are in flight at the same time, over one shared
        HTTP session. Between 1 and 32.
      - Each item costs one request for the change, plus its share of a re-read (one listing
        per batch, or one GET for an item without C(simulation)). Against a remote API the time
        of a long list of planned deletions is about items x round trip / O(concurrency).
    type: int
    default: 16
notes:
  - Runs on the controller; use C(delegate_to=localhost) or C(run_once) as for any API module.
  - In the list form, an item that fails does not stop the others; the task fails when any
    item failed, and still returns every result.
  - A token or permission error (401 or 403) on one item stops further requests; the items not
    yet tried are reported as failed. Skipped items do not fail the task.
  - "Assumptions about behaviour the Air API does not document: renaming or favoriting a
    C(PENDING) checkpoint is allowed; an empty name is allowed; deleting a checkpoint that is not
    C(COMPLETE) is refused with HTTP 400. The module reads the checkpoint before it deletes, so it
    only sends a DELETE for a C(COMPLETE) one. The API cannot delete on condition, so a change
    made between that read and the DELETE (at most two batches' worth of requests in the list
    form) is not seen. When a retried DELETE is refused with 400, the
    module reads the checkpoint again and counts it as deleted if it is C(DELETED) by then."
extends_documentation_fragment:
  - nvair.air.connection
attributes:
  check_mode:
    description: Can run in check mode and predict the change without making it.
    support: full
  diff_mode:
    description: Returns the changed fields before and after, in diff mode.
    support: full
  action_group:
    description: Part of the action group for C(module_defaults).
    support: full
    membership:
      - nvair.air.air
seealso:
  - module: nvair.air.air_checkpoint_info
author:
  - nvair.air maintainers (@nvair)
"""

EXAMPLES = r"""
- name: Rename a checkpoint and make it a favorite
  nvair.air.air_checkpoint:
    id: 0b4bc8a8-9f2a-4b8e-9a0e-2f6a3c2d1e11
    name: before-upgrade
    favorite: true

- name: Favorite the checkpoint named before-upgrade of simulation lab-1
  nvair.air.air_checkpoint:
    simulation: lab-1
    name: before-upgrade
    favorite: true

- name: Delete a checkpoint, waiting for it if it is still being saved
  nvair.air.air_checkpoint:
    id: 0b4bc8a8-9f2a-4b8e-9a0e-2f6a3c2d1e11
    state: absent
    wait: true
    wait_timeout: 300

- name: List the old checkpoints of a simulation
  nvair.air.air_checkpoint_info:
    simulation: lab-1
    state: COMPLETE
    created_before: 30d
    favorite: false
  register: old

- name: Delete them in one task, skipping any that changed since they were listed
  nvair.air.air_checkpoint:
    checkpoints: "{{ old.checkpoints }}"
    state: absent
    concurrency: 16

- name: Favorite a list of checkpoints given by id
  nvair.air.air_checkpoint:
    checkpoints:
      - 0b4bc8a8-9f2a-4b8e-9a0e-2f6a3c2d1e11
      - 5f0c7d51-3f0e-4c1a-8a55-0e6e0b6b2a90
    favorite: true
"""

RETURN = r"""
msg:
  description: What was done, or in the list form the counts per status.
  returned: always
  type: str
  sample: deleted checkpoint 0b4bc8a8-9f2a-4b8e-9a0e-2f6a3c2d1e11
checkpoint:
  description:
    - The single form's checkpoint as the server last answered (after a PATCH, its answer; after
      a delete, a fresh read). In check mode, the predicted checkpoint.
    - An empty dictionary when O(state=absent) found no checkpoint.
  returned: single form
  type: dict
  contains:
    id:
      description: The checkpoint's id.
      type: str
      sample: 0b4bc8a8-9f2a-4b8e-9a0e-2f6a3c2d1e11
    name:
      description: The checkpoint's name.
      type: str
      sample: before-upgrade
    favorite:
      description: Whether the checkpoint is a favorite.
      type: bool
      sample: true
    state:
      description: C(PENDING), C(COMPLETE) or C(DELETED).
      type: str
      sample: COMPLETE
    run:
      description: The id of the run (boot session) during which it was taken.
      type: str
    simulation:
      description: The id of the run's simulation, or null when it cannot be resolved.
      type: str
    metadata:
      description: Opaque data from the API.
      type: raw
    created:
      description: Creation time as the API gave it (ISO 8601).
      type: str
      sample: "2026-03-11T18:36:14.123456Z"
    modified:
      description: Time of the last change as the API gave it (ISO 8601).
      type: str
      sample: "2026-03-11T18:40:02.000001Z"
results:
  description:
    - One entry per distinct checkpoint of O(checkpoints), in the given order.
  returned: list form
  type: list
  elements: dict
  contains:
    id:
      description: The checkpoint id as given.
      type: str
    name:
      description: The checkpoint's name as last seen, or null when it was not found.
      type: str
    status:
      description:
        - V(changed) (deleted or updated, or would be in check mode), V(ok) (already as
          requested, including not found or already C(DELETED) for O(state=absent)),
          V(skipped) (changed since it was listed), or V(failed).
      type: str
      sample: changed
    msg:
      description: The reason, in words.
      type: str
      sample: changed since it was listed (modified 2026-03-11T18:40:02Z, now 2026-03-12T08:00:00Z)
    failure:
      description: The API error behind a failed item (method, path, status, detail).
      type: dict
      returned: when the API refused the item
summary:
  description: How many items ended in each status, and the number of distinct items.
  returned: list form
  type: dict
  sample: {"changed": 998, "ok": 1, "skipped": 1, "failed": 0, "total": 1000}
diff:
  description:
    - Only the changed fields. In the single form, C(before) and C(after) hold for example the
      old and new C(name), or C(state) going from C(COMPLETE) to C(DELETED).
    - List form, C(before) and C(after) map each changed checkpoint's id to such a dictionary.
      Returned in diff mode only (C(--diff), or the task keyword C(diff) set to true);
      RV(results) holds every item's outcome either way.
    - Both are empty when nothing changed.
  returned: always in the single form; in diff mode in the list form
  type: dict
api_retries:
  description:
    - One line per retried API request (rate limiting, temporary server or network failures).
  returned: when a request was retried
  type: list
  elements: str
  sample: ["DELETE simulations/runs/checkpoints/0b4bc8a8-9f2a-4b8e-9a0e-2f6a3c2d1e11/: 503 Service Unavailable; retry 1 of 5 in 0.7 s"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nvair.air.plugins.module_utils import checkpoint_actions as actions
from ansible_collections.nvair.air.plugins.module_utils.air_client import AirError
from ansible_collections.nvair.air.plugins.module_utils.air_module import (
    check_not_bool,
    client_from_module,
    connection_argument_spec,
    fail_from_error,
    module_result,
)
from ansible_collections.nvair.air.plugins.module_utils.checkpoints import (
    is_uuid,
    resolve_simulation,
)

MAX_CONCURRENCY = 32
MAX_PROBLEMS_SHOWN = 10


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        id=dict(type="str"),
        simulation=dict(type="str"),
        name=dict(type="str"),
        favorite=dict(type="bool"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        force=dict(type="bool", default=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        checkpoints=dict(type="list", elements="raw"),
        concurrency=dict(type="int", default=actions.DEFAULT_CONCURRENCY),
    )
    return spec


def option_problems(params):
    """Everything that can be wrong without asking the API, so it fails before any request."""
    problems = []
    name_problem = actions.name_problem(params["name"])
    if name_problem:
        problems.append(name_problem)
    if params["wait_timeout"] < 0:
        problems.append(f"wait_timeout must be 0 or more seconds, got {params['wait_timeout']}")
    absent = params["state"] == "absent"
    if absent and params["favorite"] is not None:
        problems.append("favorite has no meaning with state=absent; remove it")
    # Checked in every form: a bad value is a typo even where one checkpoint leaves it unused.
    if not 1 <= params["concurrency"] <= MAX_CONCURRENCY:
        problems.append(f"concurrency must be 1 to {MAX_CONCURRENCY}, got {params['concurrency']}")
    if params["checkpoints"] is not None:
        if not absent and params["favorite"] is None:
            problems.append(
                "with checkpoints and state=present, set favorite (the only change a list can make)"
            )
    elif params["id"] is not None:
        if not is_uuid(params["id"]):
            problems.append(f"id must be a checkpoint id (UUID), got {params['id']!r}")
        if absent and params["name"] is not None:
            problems.append(
                "name is the new name when id is given; it has no meaning with state=absent"
            )
    return problems


def run_list(module, client, items, desired):
    report = actions.run_many(client, items, desired, module.params["concurrency"])
    msg = actions.summary_msg(report["summary"])
    # Two entries per changed item: for ten thousand deletions that is a fifth of the result,
    # and Ansible only shows it with --diff. Every item's outcome is in results anyway.
    if not module._diff:
        del report["diff"]
    result = module_result(client, dict(msg=msg, **report))
    if report["summary"]["failed"]:
        module.fail_json(**{**result, "msg": f"some checkpoints failed: {msg}"})
    module.exit_json(**result)


def run_single(module, client, desired):
    params = module.params
    simulation_id = None
    if params["simulation"] is not None:
        simulation_id = resolve_simulation(client, params["simulation"])
    outcome, checkpoint = actions.run_single(client, desired, params["id"], simulation_id)

    result = dict(
        changed=outcome.changed,
        msg=outcome.msg,
        checkpoint=checkpoint,
        diff=dict(before=outcome.before, after=outcome.after),
    )
    if outcome.failure:
        result["failure"] = outcome.failure
    module_result(client, result)
    if outcome.status == "failed":
        module.fail_json(**result)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[
            ("id", "simulation"),
            ("checkpoints", "id"),
            ("checkpoints", "simulation"),
            ("checkpoints", "name"),
        ],
        required_one_of=[("id", "simulation", "checkpoints")],
        required_by={"simulation": "name"},
        supports_check_mode=True,
    )
    check_not_bool(module, "wait_timeout", "concurrency")
    params = module.params
    problems = option_problems(params)
    items = []
    if params["checkpoints"] is not None:
        items, item_problems = actions.parse_items(params["checkpoints"])
        problems.extend(item_problems)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"and {len(problems) - len(shown)} more problems")
        module.fail_json(msg="; ".join(shown))

    desired = actions.Desired(
        state=params["state"],
        name=params["name"],
        favorite=params["favorite"],
        force=params["force"],
        wait=params["wait"],
        wait_timeout=params["wait_timeout"],
        check_mode=module.check_mode,
    )
    client = client_from_module(module)
    try:
        if params["checkpoints"] is not None:
            run_list(module, client, items, desired)
        else:
            run_single(module, client, desired)
    except AirError as err:
        fail_from_error(module, err, client)
    finally:
        client.close()


if __name__ == "__main__":
    main()
