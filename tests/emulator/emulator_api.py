"""The Air v3 API surface of the emulator: routes, parameter validation, response bodies.

Error bodies follow contract §7/§8: ``{"detail": "..."}`` for general errors and
``{"<field>": ["message"]}`` for validation errors. Every path works with and without the
trailing slash (§8.16).
"""

import json
import re
import urllib.parse

from emulator_actions import clone, simulation_action
from emulator_data import CHECKPOINT_STATES
from emulator_store import (
    CHECKPOINT_COLUMNS,
    RUN_COLUMNS,
    SIMULATION_COLUMNS,
    ActionError,
    canonical_uuid,
    checkpoint_json,
    run_json,
    simulation_json,
)

API_PREFIX = "/api/v3"
DEFAULT_LIMIT = 100  # §8.8; there is no maximum, a huge limit returns everything
NOT_FOUND = {"detail": "Not found."}


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


class Request:
    def __init__(self, method, path, query, body, root_url):
        self.method = method
        self.path = path
        self.query = urllib.parse.parse_qsl(query, keep_blank_values=True)
        self.params = dict(self.query)  # last value wins, as Django's QueryDict.get does
        self.body = body
        self.root_url = root_url

    def json_object(self):
        """The body as a JSON object; an empty body counts as ``{}``."""
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as err:
            raise ApiError(400, {"detail": f"JSON parse error - {err}"}) from None
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise ApiError(400, {"detail": f"Invalid data. Expected a dictionary, but got {kind}."})
        return data


# -- list parameters ---------------------------------------------------------------------

_INTEGER = re.compile(r"^\s*[+-]?[0-9]+\s*$")  # not \d, which accepts non-ASCII digits


def _integer(params, key, default, minimum, errors):
    if key not in params:
        return default
    text = params[key]
    if not _INTEGER.match(text):
        errors[key] = ["A valid integer is required."]
        return default
    # Python refuses int() on very long digit strings; past 10**18 the value no longer matters.
    huge = -(10**18) if text.strip().startswith("-") else 10**18
    value = int(text) if len(text.strip().lstrip("+-")) <= 18 else huge
    if value < minimum:
        errors[key] = [f"Ensure this value is greater than or equal to {minimum}."]
        return default
    return value


def _uuid_filter(params, key, column, where, args, errors):
    value = params.get(key, "")
    if value == "":
        return  # django-filter skips empty values
    canonical = canonical_uuid(value)
    if canonical is None:
        errors[key] = ["Must be a valid UUID."]
        return
    where.append(f"{column} = ?")
    args.append(canonical)


def _ordering(params, columns, errors):
    """SQL ORDER BY for `ordering`; the id tie-breaker runs in the last key's direction so
    SQLite can walk an index instead of sorting."""
    text = params.get("ordering", "").strip()
    terms = [term.strip() for term in text.split(",")] if text else ["created"]
    parts, direction = [], "ASC"
    for term in terms:
        key = term[1:] if term.startswith("-") else term
        if key not in columns:
            choices = ", ".join(sorted(columns))
            errors["ordering"] = [f"Invalid ordering field {term!r}; choose from {choices}."]
            return "id"
        direction = "DESC" if term.startswith("-") else "ASC"
        parts.append(f"{columns[key]} {direction}")
    parts.append(f"id {direction}")
    return ", ".join(parts)


def _search(params, columns, where, args):
    """§8.9: case-insensitive substring; terms split on spaces and commas, all required."""
    terms = [t for t in re.split(r"[\s,]+", params.get("search", "").lower()) if t]
    for term in terms:
        matches = " OR ".join(f"instr({column}, ?) > 0" for column in columns)
        where.append(f"({matches})")
        args.extend([term] * len(columns))


def _page_url(request, limit, offset):
    pairs = [(k, v) for k, v in request.query if k not in ("limit", "offset")]
    pairs.append(("limit", str(limit)))
    if offset:
        pairs.append(("offset", str(offset)))
    return f"{request.root_url}{request.path}?{urllib.parse.urlencode(pairs)}"


def _list(request, store, table, columns, to_json, where, args, errors, order_columns, search):
    limit = _integer(request.params, "limit", DEFAULT_LIMIT, 1, errors)
    offset = _integer(request.params, "offset", 0, 0, errors)
    order = _ordering(request.params, order_columns, errors)
    _search(request.params, search, where, args)
    if errors:
        raise ApiError(400, errors)

    count, rows = store.page(table, columns, where, args, order, limit, offset)
    following = _page_url(request, limit, offset + limit) if offset + limit < count else None
    previous = _page_url(request, limit, max(offset - limit, 0)) if offset > 0 else None
    return 200, {
        "count": count,
        "next": following,
        "previous": previous,
        "results": [to_json(row) for row in rows],
    }


def list_checkpoints(request, emu, _id):
    params, where, args, errors = request.params, [], [], {}
    _uuid_filter(params, "simulation", "simulation", where, args, errors)
    _uuid_filter(params, "run", "run", where, args, errors)
    state = params.get("state", "")
    if state:
        if state in CHECKPOINT_STATES:
            where.append("state = ?")
            args.append(state)
        else:
            errors["state"] = [
                f"Select a valid choice. {state} is not one of the available choices."
            ]
    favorite = params.get("favorite", "").strip().lower()
    if favorite:
        if favorite in ("true", "1", "false", "0"):
            where.append("favorite = ?")
            args.append(1 if favorite in ("true", "1") else 0)
        else:
            errors["favorite"] = ["Must be a valid boolean."]
    order_columns = {
        "created": "created_us",
        "modified": "modified_us",
        "name": "name",
        "run": "run",
        "state": "state",
        "favorite": "favorite",
    }
    return _list(
        request,
        emu.store,
        "checkpoints",
        CHECKPOINT_COLUMNS,
        checkpoint_json,
        where,
        args,
        errors,
        order_columns,
        ("name_lower", "lower(state)"),
    )


def list_runs(request, emu, _id):
    where, args, errors = [], [], {}
    _uuid_filter(request.params, "simulation", "simulation", where, args, errors)
    _uuid_filter(request.params, "started_from", "started_from", where, args, errors)
    order_columns = {
        "created": "created_us",
        "modified": "modified_us",
        "name": "name",
        "simulation": "simulation",
        "started_at": "started_us",
        "ended_at": "ended_us",
    }
    return _list(
        request,
        emu.store,
        "runs",
        RUN_COLUMNS,
        run_json,
        where,
        args,
        errors,
        order_columns,
        ("name_lower",),
    )


def list_simulations(request, emu, _id):
    order_columns = {
        "created": "created_us",
        "modified": "modified_us",
        "name": "name",
        "state": "state",
    }
    return _list(
        request,
        emu.store,
        "simulations",
        SIMULATION_COLUMNS,
        simulation_json,
        [],
        [],
        {},
        order_columns,
        ("name_lower",),
    )


# -- single objects ----------------------------------------------------------------------


def _found(row, to_json):
    if row is None:
        raise ApiError(404, NOT_FOUND)
    return 200, to_json(row)


def _name_field(data, errors, minimum):
    value = data["name"]
    if value is None:
        errors["name"] = ["This field may not be null."]
    elif not isinstance(value, str) or "\x00" in value or _unencodable(value):
        errors["name"] = ["Not a valid string."]
    elif len(value) > 128:
        errors["name"] = ["Ensure this field has no more than 128 characters."]
    elif len(value) < minimum:
        errors["name"] = ["This field may not be blank."]
    return value


def _unencodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True  # a lone surrogate from a JSON escape such as "\ud800"
    return False


def get_checkpoint(_request, emu, item_id):
    return _found(emu.store.get("checkpoint", item_id), checkpoint_json)


def patch_checkpoint(request, emu, item_id):
    # As in DRF, the object is looked up before the body is read: an unknown id is 404 first.
    if emu.store.get("checkpoint", item_id) is None:
        raise ApiError(404, NOT_FOUND)
    data = request.json_object()
    changes, errors = {}, {}
    if "name" in data:
        changes["name"] = _name_field(data, errors, 0)  # §8.4: empty name accepted
    if "favorite" in data:
        if isinstance(data["favorite"], bool):
            changes["favorite"] = int(data["favorite"])
        else:
            errors["favorite"] = ["Must be a valid boolean."]
    if errors:
        raise ApiError(400, errors)
    return _found(emu.store.update_checkpoint(item_id, changes), checkpoint_json)


def delete_checkpoint(_request, emu, item_id):
    outcome = emu.store.delete_checkpoint(item_id)
    if outcome == "missing":
        raise ApiError(404, NOT_FOUND)
    if outcome != "deleted":
        raise ApiError(400, {"detail": "Only COMPLETE checkpoints can be deleted."})
    return 204, None


def get_run(_request, emu, item_id):
    return _found(emu.store.get("run", item_id), run_json)


def patch_run(request, emu, item_id):
    if emu.store.get("run", item_id) is None:
        raise ApiError(404, NOT_FOUND)
    data = request.json_object()
    errors = {}
    name = _name_field(data, errors, 1) if "name" in data else None
    if errors:
        raise ApiError(400, errors)
    if name is None:
        return get_run(request, emu, item_id)
    return _found(emu.store.update_run(item_id, name), run_json)


def get_simulation(_request, emu, item_id):
    return _found(emu.store.get("simulation", item_id), simulation_json)


def _action(action):
    def handler(request, emu, item_id):
        if emu.store.get("simulation", item_id) is None:
            raise ApiError(404, NOT_FOUND)
        body = request.json_object()
        try:
            shown = simulation_action(emu.store, emu.settings, item_id, action, body)
        except ActionError as err:
            raise ApiError(400, err.body) from None
        if shown is None:
            raise ApiError(404, NOT_FOUND)
        emu.store.advance(emu.settings)
        result = simulation_json(emu.store.get("simulation", item_id))
        result["state"] = shown
        return 200, result

    return handler


def clone_simulation(request, emu, _id):
    body = request.json_object()
    try:
        new_id = clone(emu.store, emu.settings, body)
    except ActionError as err:
        raise ApiError(400, err.body) from None
    emu.store.advance(emu.settings)
    result = simulation_json(emu.store.get("simulation", new_id))
    result["state"] = "CLONING"
    return 201, result


# -- routing -----------------------------------------------------------------------------

_ID = r"(?P<id>[^/]+)"
ROUTES = [
    ("/simulations/runs/checkpoints/", {"GET": list_checkpoints}),
    (
        "/simulations/runs/checkpoints/{id}/",
        {"GET": get_checkpoint, "PATCH": patch_checkpoint, "DELETE": delete_checkpoint},
    ),
    ("/simulations/runs/", {"GET": list_runs}),
    ("/simulations/runs/{id}/", {"GET": get_run, "PATCH": patch_run}),
    ("/simulations/clone/", {"POST": clone_simulation}),
    ("/simulations/", {"GET": list_simulations}),
    ("/simulations/{id}/", {"GET": get_simulation}),
    ("/simulations/{id}/shutdown/", {"PATCH": _action("shutdown")}),
    ("/simulations/{id}/start/", {"PATCH": _action("start")}),
    ("/simulations/{id}/rebuild/", {"PATCH": _action("rebuild")}),
]
_COMPILED = [
    (
        re.compile("^" + re.escape(API_PREFIX + path[:-1]).replace(r"\{id\}", _ID) + "/?$"),
        API_PREFIX + path,
        handlers,
    )
    for path, handlers in ROUTES
]
_UUID_SEGMENT = re.compile(
    r"/[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}(?=/|$)"
)


def match(path):
    """(template, handlers, raw id) for an API path, or (template-ish path, None, None)."""
    for pattern, template, handlers in _COMPILED:
        found = pattern.match(path)
        if found:
            return template, handlers, found.groupdict().get("id")
    return _UUID_SEGMENT.sub("/{id}", path), None, None


def handle(request, emu):
    """(status, body or None) for one API request; raises nothing for bad input."""
    _template, handlers, raw_id = match(request.path)
    if handlers is None:
        return 404, NOT_FOUND
    handler = handlers.get(request.method)
    if handler is None:
        return 405, {"detail": f'Method "{request.method}" not allowed.'}
    item_id = None
    if raw_id is not None:
        item_id = canonical_uuid(raw_id) if len(raw_id) == 36 else None
        if item_id is None:
            return 404, NOT_FOUND  # §8.3: a malformed id is simply not found
    try:
        emu.store.advance(emu.settings)
        return handler(request, emu, item_id)
    except ApiError as err:
        return err.status, err.body
