"""Checkpoint endpoints (contract §3, §8): list, get, PATCH, DELETE over real HTTP."""

import itertools
import json
import urllib.parse

import pytest
from conftest import CHECKPOINT_FIELDS, CHECKPOINTS, get_all, parse_time

MISSING_ID = "00000000-0000-4000-8000-000000000000"


def listing(emu, **params):
    answer = emu.request("GET", CHECKPOINTS, params=params)
    assert answer.status == 200, answer
    return answer.json()


def first(emu, **params):
    return listing(emu, limit=1, **params)["results"][0]


def sort_key(item):
    return parse_time(item["created"]), item["id"]


# -- listing -----------------------------------------------------------------------------


def test_list_has_envelope_default_page_and_exact_fields(emu):
    page = listing(emu)

    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] >= 2000
    assert len(page["results"]) == 100  # §8.8 default page size
    assert page["previous"] is None
    assert page["next"].startswith(emu.base_url + "/" + CHECKPOINTS + "?")
    for item in page["results"]:
        assert set(item) == CHECKPOINT_FIELDS
        assert item["metadata"] == {}
        assert isinstance(item["favorite"], bool)


def test_default_order_is_created_time_then_id(emu):
    items = get_all(emu, CHECKPOINTS)

    assert items == sorted(items, key=sort_key)


def test_ordering_by_created_compares_time_not_text(emu):
    items = get_all(emu, CHECKPOINTS, {"ordering": "-created"})
    created = [item["created"] for item in items]

    assert items == sorted(items, key=sort_key, reverse=True)
    # The demo data must contain neighbours whose text order disagrees with their time order,
    # otherwise this test could not catch a text sort.
    assert any(a < b for a, b in itertools.pairwise(created))


@pytest.mark.parametrize("key", ["modified", "name", "run", "state", "favorite"])
def test_ordering_by_each_key_both_directions(emu, key):
    def value(item):
        return parse_time(item[key]) if key == "modified" else item[key]

    ascending = get_all(emu, CHECKPOINTS, {"ordering": key})
    descending = get_all(emu, CHECKPOINTS, {"ordering": f"-{key}"})

    assert [value(i) for i in ascending] == sorted(value(i) for i in ascending)
    assert [value(i) for i in descending] == sorted((value(i) for i in ascending), reverse=True)


def test_ordering_with_several_keys(emu):
    items = get_all(emu, CHECKPOINTS, {"ordering": "state,-favorite,-created"})

    expected = sorted(items, key=lambda i: (-parse_time(i["created"]).timestamp(), i["id"]))
    expected.sort(key=lambda i: (i["state"], not i["favorite"]))
    assert [i["id"] for i in items] == [i["id"] for i in expected]


def test_filters_simulation_run_and_state(emu):
    simulation = emu.request("GET", "simulations/", params={"search": "all-favorites"}).json()
    sim_id = simulation["results"][0]["id"]
    runs = get_all(emu, "simulations/runs/", {"simulation": sim_id})
    run_ids = {run["id"] for run in runs}

    by_sim = get_all(emu, CHECKPOINTS, {"simulation": sim_id})
    by_run = get_all(emu, CHECKPOINTS, {"run": runs[0]["id"]})
    deleted = get_all(emu, CHECKPOINTS, {"state": "DELETED"})

    assert by_sim and {item["run"] for item in by_sim} <= run_ids
    assert by_run and all(item["run"] == runs[0]["id"] for item in by_run)
    assert deleted and all(item["state"] == "DELETED" for item in deleted)
    combined = get_all(emu, CHECKPOINTS, {"simulation": sim_id, "state": "DELETED"})
    assert combined == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), ("1", True), ("false", False), ("False", False), ("0", False)],
)
def test_favorite_filter_accepts_python_and_json_booleans(emu, value, expected):
    items = get_all(emu, CHECKPOINTS, {"favorite": value})

    assert items and all(item["favorite"] is expected for item in items)


def test_search_is_case_insensitive_substring_with_all_terms_required(emu):
    nightly = get_all(emu, CHECKPOINTS, {"search": "NIGHT"})
    both = get_all(emu, CHECKPOINTS, {"search": "nightly complete"})
    by_state = get_all(emu, CHECKPOINTS, {"search": "pending"})
    unicode = get_all(emu, CHECKPOINTS, {"search": "prüfpunkt"})

    assert nightly and all("night" in item["name"].lower() for item in nightly)
    assert both and all(i["state"] == "COMPLETE" and "nightly" in i["name"] for i in both)
    assert len(both) < len(nightly)
    assert by_state and all(item["state"] == "PENDING" for item in by_state)
    assert unicode and all("Prüfpunkt" in item["name"] for item in unicode)


def test_next_links_carry_every_filter_and_cover_each_item_once(emu):
    params = {"state": "COMPLETE", "ordering": "-created", "search": "checkpoint", "x-unknown": "1"}
    everything = get_all(emu, CHECKPOINTS, params, limit=1000)
    paged = get_all(emu, CHECKPOINTS, params, limit=37)

    assert [i["id"] for i in paged] == [i["id"] for i in everything]
    assert len({i["id"] for i in paged}) == len(paged)
    page = listing(emu, limit=37, **params)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page["next"]).query)
    assert query["state"] == ["COMPLETE"] and query["ordering"] == ["-created"]
    assert query["search"] == ["checkpoint"] and query["offset"] == ["37"]
    assert query["limit"] == ["37"]


def test_previous_link_and_offset_past_the_end(emu):
    count = listing(emu, limit=1)["count"]

    middle = listing(emu, limit=10, offset=25)
    past = listing(emu, limit=10, offset=count + 50)

    assert middle["previous"].endswith("limit=10&offset=15")
    assert listing(emu, limit=10, offset=5)["previous"].endswith("limit=10")
    assert past["results"] == [] and past["next"] is None and past["count"] == count


@pytest.mark.parametrize("limit", [1000, 5000, 10**30])
def test_large_limits_are_not_capped(emu, limit):
    page = listing(emu, limit=limit)

    assert len(page["results"]) == min(limit, page["count"])
    assert page["next"] is None if limit >= page["count"] else page["next"]


def test_unknown_query_parameters_are_ignored(emu):
    assert listing(emu, limit=5, foo="bar")["results"] == listing(emu, limit=5)["results"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": ""}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "ten"}, "offset"),
        ({"state": "FOO"}, "state"),
        ({"state": "complete"}, "state"),
        ({"ordering": "size"}, "ordering"),
        ({"ordering": "-"}, "ordering"),
        ({"ordering": "created,"}, "ordering"),
        ({"ordering": "id"}, "ordering"),
        ({"simulation": "not-a-uuid"}, "simulation"),
        ({"run": "1234"}, "run"),
        ({"favorite": "yes"}, "favorite"),
    ],
)
def test_invalid_list_parameters_are_400_field_errors(emu, params, field):
    answer = emu.request("GET", CHECKPOINTS, params=params)

    assert answer.status == 400
    body = answer.json()
    assert isinstance(body[field], list) and body[field]


def test_several_invalid_parameters_are_reported_together(emu):
    params = {"limit": "0", "state": "FOO", "simulation": "x"}
    body = emu.request("GET", CHECKPOINTS, params=params).json()

    assert {"limit", "state", "simulation"} <= set(body)


def test_path_without_trailing_slash_works(emu):
    item = first(emu)

    assert emu.request("GET", CHECKPOINTS.rstrip("/"), params={"limit": 1}).status == 200
    assert emu.request("GET", f"{CHECKPOINTS}{item['id']}").json() == item


# -- get ---------------------------------------------------------------------------------


def test_get_returns_the_listed_object(emu):
    item = first(emu, state="DELETED")

    answer = emu.request("GET", f"{CHECKPOINTS}{item['id']}/")

    assert answer.status == 200
    assert answer.json() == item  # §8.6: DELETED checkpoints stay readable


def test_get_accepts_upper_case_uuid(emu):
    item = first(emu)

    assert emu.request("GET", f"{CHECKPOINTS}{item['id'].upper()}/").json() == item


@pytest.mark.parametrize("item_id", [MISSING_ID, "not-a-uuid", "1", "%00", "x" * 300])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_or_malformed_ids_are_404(emu, item_id, method):
    answer = emu.request(method, f"{CHECKPOINTS}{item_id}/", json_body={"name": "x"})
    with_bad_body = emu.request(method, f"{CHECKPOINTS}{item_id}/", body=b"{oops")

    assert answer.status == with_bad_body.status == 404
    assert answer.json() == with_bad_body.json() == {"detail": "Not found."}


# -- PATCH -------------------------------------------------------------------------------


def patch(emu, checkpoint_id, body=None, raw=None):
    return emu.request("PATCH", f"{CHECKPOINTS}{checkpoint_id}/", json_body=body, body=raw)


def test_patch_name_and_favorite_returns_full_object_and_updates_modified(fresh):
    item = first(fresh, state="COMPLETE", favorite="false")

    answer = patch(fresh, item["id"], {"name": "renamed ✓", "favorite": True})

    assert answer.status == 200
    body = answer.json()
    assert body["name"] == "renamed ✓" and body["favorite"] is True
    assert {k: body[k] for k in ("id", "run", "state", "created")} == {
        k: item[k] for k in ("id", "run", "state", "created")
    }
    assert parse_time(body["modified"]) > parse_time(item["modified"])
    assert fresh.request("GET", f"{CHECKPOINTS}{item['id']}/").json() == body


@pytest.mark.parametrize("name", ["", "x" * 128, "é" * 128])
def test_patch_accepts_empty_and_128_character_names(fresh, name):
    item = first(fresh)

    answer = patch(fresh, item["id"], {"name": name})

    assert answer.status == 200 and answer.json()["name"] == name


def test_patch_ignores_read_only_and_unknown_fields(fresh):
    item = first(fresh, state="COMPLETE")
    body = {"state": "DELETED", "run": MISSING_ID, "id": MISSING_ID, "created": "x", "foo": 1}

    answer = patch(fresh, item["id"], body)

    assert answer.status == 200
    result = answer.json()
    assert {k: result[k] for k in ("id", "run", "state", "created", "name", "favorite")} == {
        k: item[k] for k in ("id", "run", "state", "created", "name", "favorite")
    }


def test_patch_is_allowed_on_deleted_and_pending_checkpoints(fresh):
    for state in ("DELETED", "PENDING"):
        item = first(fresh, state=state)

        answer = patch(fresh, item["id"], {"favorite": True})

        assert answer.status == 200 and answer.json()["state"] == state


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 129}, "name"),
        ({"name": None}, "name"),
        ({"name": 123}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"favorite": "yes"}, "favorite"),
        ({"favorite": "true"}, "favorite"),
        ({"favorite": 1}, "favorite"),
        ({"favorite": None}, "favorite"),
    ],
)
def test_patch_validation_errors_are_400_field_errors_and_change_nothing(fresh, body, field):
    item = first(fresh)

    answer = patch(fresh, item["id"], body)

    assert answer.status == 400
    assert list(answer.json()) == [field]
    assert fresh.request("GET", f"{CHECKPOINTS}{item['id']}/").json() == item


def test_patch_with_lone_surrogate_name_is_rejected(fresh):
    item = first(fresh)

    answer = patch(fresh, item["id"], raw='{"name": "\\ud800"}')

    assert answer.status == 400 and "name" in answer.json()


@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", '"text"', "null", "\xff\xfe", "[" * 100000 + "]" * 100000]
)
def test_patch_with_malformed_or_non_object_body_is_400_detail(emu, raw):
    item = first(emu)

    answer = patch(emu, item["id"], raw=raw.encode("latin-1"))

    assert answer.status == 400
    assert set(answer.json()) == {"detail"}


def test_patch_with_empty_body_changes_nothing_but_modified(fresh):
    item = first(fresh)

    body = patch(fresh, item["id"], raw=b"").json()

    assert {k: v for k, v in body.items() if k != "modified"} == {
        k: v for k, v in item.items() if k != "modified"
    }


# -- DELETE ------------------------------------------------------------------------------


def test_delete_complete_is_204_and_leaves_a_deleted_checkpoint(fresh):
    item = first(fresh, state="COMPLETE")

    answer = fresh.request("DELETE", f"{CHECKPOINTS}{item['id']}/", json_body={})

    assert answer.status == 204 and answer.body == b""
    after = fresh.request("GET", f"{CHECKPOINTS}{item['id']}/").json()
    assert after["state"] == "DELETED"
    assert parse_time(after["modified"]) > parse_time(item["modified"])
    listed = get_all(fresh, CHECKPOINTS, {"state": "DELETED"})
    assert item["id"] in {i["id"] for i in listed}


def test_delete_without_body_works(fresh):
    item = first(fresh, state="COMPLETE")

    assert fresh.request("DELETE", f"{CHECKPOINTS}{item['id']}").status == 204


@pytest.mark.parametrize("state", ["PENDING", "DELETED"])
def test_delete_of_non_complete_checkpoint_is_400(fresh, state):
    item = first(fresh, state=state)

    answer = fresh.request("DELETE", f"{CHECKPOINTS}{item['id']}/", json_body={})

    assert answer.status == 400
    assert answer.json() == {"detail": "Only COMPLETE checkpoints can be deleted."}
    assert fresh.request("GET", f"{CHECKPOINTS}{item['id']}/").json() == item


def test_second_delete_is_400(fresh):
    item = first(fresh, state="COMPLETE")
    path = f"{CHECKPOINTS}{item['id']}/"

    statuses = [fresh.request("DELETE", path, json_body={}).status for _attempt in range(2)]

    assert statuses == [204, 400]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_methods_the_api_does_not_have_are_405(emu, method):
    item = first(emu)

    for path in (CHECKPOINTS, f"{CHECKPOINTS}{item['id']}/"):
        answer = emu.request(method, path, json_body={})
        assert answer.status == 405 and "detail" in answer.json()


def test_response_bodies_are_json_with_content_length(emu):
    answer = emu.request("GET", CHECKPOINTS, params={"limit": 3})

    assert answer.headers["Content-Type"] == "application/json"
    assert int(answer.headers["Content-Length"]) == len(answer.body)
    json.loads(answer.body)
