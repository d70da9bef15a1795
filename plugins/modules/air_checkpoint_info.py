#!/usr/bin/python
# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: air_checkpoint_info
short_description: List and filter NVIDIA Air simulation checkpoints
version_added: 0.1.0
description:
  - Lists the checkpoints of NVIDIA Air simulations that the API token can see, or fetches
    checkpoints by id.
  - Filters on simulation, run, state, favorite and search text are sent to the API, so only
    matching checkpoints are downloaded. The O(name) and O(created_before)/O(created_after)
    filters have no API equivalent and are applied while the pages stream in.
  - Every checkpoint carries the id of its simulation, resolved through its run with as few
    requests as possible.
  - Never changes anything.
author:
  - nvair.air maintainers (@nvair)
extends_documentation_fragment:
  - nvair.air.connection
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode changes nothing in its behaviour.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
options:
  id:
    description:
      - Checkpoint ids to fetch, one by one, instead of listing.
      - Ids that do not exist (or that the token cannot see) are returned in RV(not_found)
        rather than failing the task.
      - The other filters still apply to the fetched checkpoints, except O(search).
    type: list
    elements: str
  simulation:
    description:
      - Only checkpoints of these simulations, given by id or by exact, case-sensitive name.
      - A name that matches no simulation, or several, fails the task and lists the candidates.
      - With several simulations, one listing per simulation is made and the results merged.
    type: list
    elements: str
  run:
    description:
      - Only checkpoints taken during these runs (boot sessions), given by id.
    type: list
    elements: str
  state:
    description:
      - Only checkpoints in these states.
      - One state is filtered by the API. Two states take one listing each, merged and sorted
        by O(ordering). All three states is the same as no filter.
    type: list
    elements: str
    choices: [PENDING, COMPLETE, DELETED]
  favorite:
    description:
      - Only favorite checkpoints (V(true)) or only the others (V(false)).
    type: bool
  name:
    description:
      - Only checkpoints with exactly this name (case-sensitive).
      - Checkpoint names need not be unique, so this can return several checkpoints.
      - Unless O(search) is set, the name is also sent as the API's search text to narrow the
        listing before the exact comparison.
    type: str
  search:
    description:
      - Free text the API matches against checkpoint names and states (case-insensitive,
        every word must match).
      - Cannot be combined with O(id).
    type: str
  created_before:
    description:
      - Only checkpoints created before this point in time.
      - An ISO-8601 timestamp such as V(2026-03-11T18:36:14Z) (without an offset it means UTC),
        or an age such as V(30d), V(12h), V(90m), V(45s), V(2w) or V(1d12h), meaning that long
        before now.
    type: str
  created_after:
    description:
      - Only checkpoints created after this point in time; same formats as O(created_before).
    type: str
  ordering:
    description:
      - Sort order, one or more of V(created), V(modified), V(name), V(run), V(state) and
        V(favorite), separated by commas; a leading V(-) sorts descending, e.g. V(-created).
      - The checkpoint id breaks ties.
    type: str
    default: created
  limit:
    description:
      - Return at most this many checkpoints (the first ones in O(ordering)).
      - Listing stops as soon as enough checkpoints are found.
    type: int
  query:
    description:
      - A JMESPath expression applied to the list of checkpoints; its result is returned in
        RV(query_result). Requires the C(jmespath) Python library.
      - For example V([?favorite].name) or V(max_by(@, &created\).id).
    type: str
  simulation_names:
    description:
      - Also return RV(simulations), the name of every simulation that owns a returned
        checkpoint, so reports can show names instead of bare ids.
      - Costs one paged listing of simulations, plus one request per simulation that listing
        did not show.
    type: bool
    default: false
requirements:
  - jmespath (only for O(query))
notes:
  - The checkpoints are all held in the result, so a very large listing makes a very large
    result; use O(limit) or the filters to keep it small. O(query) does not, as its result is
    returned besides RV(checkpoints), not instead of it.
  - Memory of the module process, as measured with ansible-core 2.21, is about 35 MiB plus
    1.7 MiB per 1,000 returned checkpoints (about 200 MiB for 100,000). Most of it is spent
    while ansible-core writes the result, which it copies and then turns into JSON text.
seealso:
  - module: nvair.air.air_checkpoint
"""

EXAMPLES = r"""
- name: List every checkpoint the token can see
  nvair.air.air_checkpoint_info:
  register: all_checkpoints

- name: Complete checkpoints of one simulation, newest first
  nvair.air.air_checkpoint_info:
    simulation: lab-fabric
    state: COMPLETE
    ordering: -created
  register: lab

- name: Favorites older than 30 days in two simulations
  nvair.air.air_checkpoint_info:
    simulation:
      - lab-fabric
      - 3f1c7d52-7b1e-4a52-9d0e-2b8b5f0c9a11
    favorite: true
    created_before: 30d

- name: Fetch two checkpoints by id; unknown ids are listed in not_found
  nvair.air.air_checkpoint_info:
    id:
      - 0b7c6c34-2a5c-4c43-9a53-6d1b1c0a9f01
      - 7d3f0b9e-5a61-4d0e-8f3c-1e2d3c4b5a60
  register: picked

- name: Id, simulation and name of complete checkpoints, newest first, with JMESPath
  nvair.air.air_checkpoint_info:
    state: COMPLETE
    ordering: -created
    query: "[].{id: id, simulation: simulation, name: name}"
  register: newest

- name: Checkpoints of every simulation, with the simulations' names
  nvair.air.air_checkpoint_info:
    state: COMPLETE
    simulation_names: true
  register: named

- name: Set the connection once for every nvair.air module
  module_defaults:
    group/nvair.air.air:
      api_url: https://api.air-ngc.nvidia.com
      api_token: "{{ vault_air_api_token }}"
  block:
    - name: Count checkpoints by state
      nvair.air.air_checkpoint_info:
      register: listing

    - name: Show the counts
      ansible.builtin.debug:
        var: listing.counts
"""

RETURN = r"""
checkpoints:
  description:
    - The selected checkpoints in O(ordering), with every field the API returned (timestamps as
      the API wrote them) plus RV(checkpoints[].simulation).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Checkpoint id.
      type: str
      sample: 0b7c6c34-2a5c-4c43-9a53-6d1b1c0a9f01
    name:
      description: Checkpoint name; not necessarily unique.
      type: str
      sample: Checkpoint 2026-03-11 18:36:14
    favorite:
      description: Whether the checkpoint is a favorite, which Air prefers to keep.
      type: bool
      sample: false
    run:
      description: Id of the run (boot session) during which the checkpoint was taken.
      type: str
      sample: 5e0d2a4c-8b7f-4f51-a3e2-9c1d0b6a7f32
    state:
      description: V(PENDING) while saving, then V(COMPLETE); V(DELETED) once deleted.
      type: str
      sample: COMPLETE
    metadata:
      description: Metadata the API attaches to the checkpoint.
      type: dict
      sample: {}
    created:
      description: When the checkpoint was created (ISO-8601).
      type: str
      sample: "2026-03-11T18:36:14.123456Z"
    modified:
      description: When the checkpoint was last changed (ISO-8601).
      type: str
      sample: "2026-03-11T18:36:14.123456Z"
    simulation:
      description: Id of the checkpoint's simulation, or V(null) if its run no longer exists.
      type: str
      sample: 3f1c7d52-7b1e-4a52-9d0e-2b8b5f0c9a11
count:
  description: Number of checkpoints returned.
  returned: success
  type: int
  sample: 3
counts:
  description: Number of returned checkpoints per state, and how many of them are favorites.
  returned: success
  type: dict
  sample: {"PENDING": 0, "COMPLETE": 2, "DELETED": 1, "favorite": 1}
not_found:
  description: The ids from O(id) that the API does not know (or the token cannot see).
  returned: success
  type: list
  elements: str
  sample: []
simulations:
  description:
    - Simulation id to simulation name, for every simulation id in RV(checkpoints).
    - A simulation the API no longer knows maps to V(null).
  returned: when O(simulation_names) is true
  type: dict
  sample: {"3f1c7d52-7b1e-4a52-9d0e-2b8b5f0c9a11": "lab-fabric"}
query_result:
  description: The result of O(query) applied to RV(checkpoints).
  returned: when O(query) is set
  type: raw
  sample: ["Checkpoint 2026-03-11 18:36:14"]
api_retries:
  description:
    - One line per retried API request (rate limiting, temporary server or network failures).
  returned: when a request was retried
  type: list
  elements: str
  sample: ["GET simulations/runs/checkpoints/: 503 Service Unavailable; retry 1 of 5 in 0.7 s"]
"""

import traceback
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.nvair.air.plugins.module_utils.air_client import AirError
from ansible_collections.nvair.air.plugins.module_utils.air_module import (
    check_not_bool,
    client_from_module,
    connection_argument_spec,
    fail_from_error,
    module_result,
)
from ansible_collections.nvair.air.plugins.module_utils.air_time import parse_point_in_time
from ansible_collections.nvair.air.plugins.module_utils.checkpoint_listing import (
    Selection,
    count_checkpoints,
    parse_ordering,
)
from ansible_collections.nvair.air.plugins.module_utils.checkpoints import (
    STATES,
    is_uuid,
    resolve_simulation,
    simulation_names,
)

try:
    import jmespath
except ImportError:
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None


def argument_spec() -> dict:
    spec = connection_argument_spec()
    spec.update(
        id=dict(type="list", elements="str"),
        simulation=dict(type="list", elements="str"),
        run=dict(type="list", elements="str"),
        state=dict(type="list", elements="str", choices=list(STATES)),
        favorite=dict(type="bool"),
        name=dict(type="str"),
        search=dict(type="str"),
        created_before=dict(type="str"),
        created_after=dict(type="str"),
        ordering=dict(type="str", default="created"),
        limit=dict(type="int"),
        query=dict(type="str"),
        simulation_names=dict(type="bool", default=False),
    )
    return spec


def _check_ids(module, option: str, values, kind: str) -> list[str]:
    for value in values or []:
        if not is_uuid(value):
            module.fail_json(
                msg=f"{option}: {value!r} is not a {kind} id; ids are UUIDs such as "
                "0b7c6c34-2a5c-4c43-9a53-6d1b1c0a9f01"
            )
    return [value.lower() for value in values or []]


def _point_in_time(module, option: str, now: datetime):
    text = module.params[option]
    if text is None:
        return None
    try:
        return parse_point_in_time(text, now)
    except ValueError as err:
        module.fail_json(msg=f"{option}: {err}")


def check_params(module):
    """Every input check, before any request; returns (created_before, created_after, query)."""
    params = module.params
    _check_ids(module, "id", params["id"], "checkpoint")
    _check_ids(module, "run", params["run"], "run")
    if any(not (value or "").strip() for value in params["simulation"] or []):
        module.fail_json(msg="simulation: an empty value is neither a simulation id nor a name")
    try:
        parse_ordering(params["ordering"])
    except ValueError as err:
        module.fail_json(msg=str(err))
    check_not_bool(module, "limit")
    if params["limit"] is not None and params["limit"] < 1:
        module.fail_json(msg=f"limit must be 1 or more, got {params['limit']}; omit it for all")

    now = datetime.now(timezone.utc)
    before = _point_in_time(module, "created_before", now)
    after = _point_in_time(module, "created_after", now)
    if before is not None and after is not None and after >= before:
        module.fail_json(
            msg=f"created_after ({params['created_after']}) is not earlier than created_before "
            f"({params['created_before']}), so nothing can match"
        )

    if params["query"] is None:
        return before, after, None
    if not HAS_JMESPATH:
        module.fail_json(msg=missing_required_lib("jmespath"), exception=JMESPATH_IMPORT_ERROR)
    try:
        return before, after, jmespath.compile(params["query"])
    except jmespath.exceptions.JMESPathError as err:
        module.fail_json(msg=f"query is not a valid JMESPath expression: {err}")


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("id", "search")],
        supports_check_mode=True,
    )
    params = module.params
    before, after, query = check_params(module)
    client = client_from_module(module)

    try:
        simulations = [resolve_simulation(client, value) for value in params["simulation"] or []]
        selection = Selection(
            ids=[value.lower() for value in params["id"] or []],
            simulations=simulations,
            runs=[value.lower() for value in params["run"] or []],
            states=params["state"],
            favorite=params["favorite"],
            name=params["name"],
            search=params["search"],
            created_before=before,
            created_after=after,
            ordering=params["ordering"],
            limit=params["limit"],
        )
        checkpoints, not_found = selection.fetch(client)
        names = None
        if params["simulation_names"]:
            names = simulation_names(client, (c.get("simulation") for c in checkpoints))
    except AirError as err:
        fail_from_error(module, err, client)

    result = dict(
        changed=False,
        checkpoints=checkpoints,
        count=len(checkpoints),
        counts=count_checkpoints(checkpoints),
        not_found=not_found,
    )
    if names is not None:
        result["simulations"] = names
    if query is not None:
        try:
            result["query_result"] = query.search(checkpoints)
        except jmespath.exceptions.JMESPathError as err:
            module.fail_json(msg=f"query failed on the checkpoints: {err}")
    module.exit_json(**module_result(client, result))


if __name__ == "__main__":
    main()
