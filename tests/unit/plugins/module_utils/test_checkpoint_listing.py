# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ordering, client-side merging and counting of checkpoint listings."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.nvair.air.plugins.module_utils.checkpoint_listing import (
    count_checkpoints,
    parse_ordering,
    sort_checkpoints,
)


def test_parse_ordering():
    assert parse_ordering("created") == [("created", False)]
    assert parse_ordering(" -created , name") == [("created", True), ("name", False)]
    with pytest.raises(ValueError, match="'size' is not a checkpoint ordering field"):
        parse_ordering("size")
    with pytest.raises(ValueError, match="has an empty term"):
        parse_ordering("")


def test_sort_breaks_ties_by_id_in_the_last_keys_direction():
    items = [
        {"id": "b", "favorite": True, "created": "2026-01-01T00:00:00Z"},
        {"id": "a", "favorite": True, "created": "2026-01-01T01:00:00+01:00"},
        {"id": "c", "favorite": False, "created": "2026-01-02T00:00:00Z"},
    ]
    sort_checkpoints(items, [("favorite", False), ("created", True)])
    # a and b were created at the same instant (offsets differ): id descending breaks the tie.
    assert [i["id"] for i in items] == ["c", "b", "a"]


def test_sort_puts_missing_and_unparsable_values_first_without_crashing():
    items = [
        {"id": "1", "created": "2026-01-01T00:00:00Z", "name": "x"},
        {"id": "2", "created": "garbage", "name": None},
        {"id": "3", "name": 5},
    ]
    sort_checkpoints(items, [("created", False)])
    assert [i["id"] for i in items] == ["2", "3", "1"]
    sort_checkpoints(items, [("name", False)])
    assert [i["id"] for i in items] == ["2", "3", "1"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.uuids().map(str),
                "name": st.text(max_size=5),
                "created": st.datetimes(
                    min_value=datetime(1971, 1, 1), timezones=st.just(timezone.utc)
                ).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
            }
        ),
        max_size=30,
    )
)
def test_sort_matches_a_plain_key_sort(items):
    expected = sorted(items, key=lambda i: (i["name"], i["created"], i["id"]))
    sort_checkpoints(items, [("name", False), ("created", False)])
    assert items == expected


def test_counts():
    items = [
        {"state": "COMPLETE", "favorite": True},
        {"state": "COMPLETE", "favorite": False},
        {"state": "DELETED", "favorite": True},
    ]
    assert count_checkpoints(items) == {"PENDING": 0, "COMPLETE": 2, "DELETED": 1, "favorite": 2}
    assert count_checkpoints([]) == {"PENDING": 0, "COMPLETE": 0, "DELETED": 0, "favorite": 0}
