# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every wrong input fails with a message naming the option, before any request is sent."""

from __future__ import annotations

import json
import re

import pytest
import responses

from ansible_collections.nvair.air.plugins.modules import air_checkpoint, air_checkpoint_info
from ansible_collections.nvair.air.tests.unit.plugins.modules.utils import run_module

BASE = "http://127.0.0.1:9/api/v3"
TOKEN = "nvapi-BAD-INPUT-TABLE-7f3c9e51d2a84b06-never-printed"
CP = "aaaaaaaa-0000-4000-8000-000000000001"

# (options on top of a valid call, text the message must contain). Each message names the
# option; the second element is matched as a substring so the table stays readable.
CONNECTION_CASES = [
    ({"api_url": "api.example.com/api/v3"}, "api_url 'api.example.com/api/v3' is not a usable"),
    ({"api_url": "ftp://air.example.com"}, "api_url 'ftp://air.example.com' is not a usable"),
    ({"api_url": "https:///api/v3"}, "api_url 'https:///api/v3' is not a usable"),
    ({"api_url": "https://air.example.com:99999"}, "has an invalid port"),
    ({"api_url": "https://user:pw@air.example.com"}, "api_url must not contain a user name"),
    ({"api_url": ""}, "api_url is empty"),
    ({"api_url": "   "}, "api_url is empty"),
    ({"api_token": ""}, "api_token is empty"),
    ({"api_token": "  \t "}, "api_token is empty"),
    ({"api_token": "nvapi-abc\nX-Injected: 1"}, "check api_token / AIR_API_TOKEN"),
    ({"api_token": "nvapi-a b"}, "check api_token / AIR_API_TOKEN"),
    ({"api_token": "nvapi-ümlaut"}, "check api_token / AIR_API_TOKEN"),
    ({"retries": -1}, "retries must be 0 or more, got -1"),
    ({"retries": True}, "retries must be a whole number, got the boolean True"),
    ({"retries": "many"}, "argument 'retries' is of type"),
    ({"page_size": 0}, "page_size must be between 1 and 1000, got 0"),
    ({"page_size": 1001}, "page_size must be between 1 and 1000, got 1001"),
    ({"page_size": False}, "page_size must be a whole number, got the boolean False"),
    ({"page_size": "1.5"}, "argument 'page_size' is of type"),
    ({"timeout": 0}, "timeout must be above 0 seconds, got 0"),
    ({"timeout": -5}, "timeout must be above 0 seconds, got -5"),
    ({"timeout": "nan"}, "timeout must be at most 86400 seconds, got nan"),
    ({"timeout": "inf"}, "timeout must be at most 86400 seconds, got inf"),
    ({"timeout": 1e12}, "timeout must be at most 86400 seconds, got 1e+12"),
    ({"timeout": "soon"}, "argument 'timeout' is of type"),
    ({"connect_timeout": 0}, "connect_timeout must be above 0 seconds, got 0"),
    ({"connect_timeout": "nan"}, "connect_timeout must be at most 86400 seconds, got nan"),
    ({"retry_max_delay": -1}, "retry_max_delay must be 0 or more seconds, got -1"),
    ({"retry_max_delay": "nan"}, "retry_max_delay must be at most 86400 seconds, got nan"),
    ({"retry_max_delay": "-inf"}, "retry_max_delay must be at most 86400 seconds, got -inf"),
    ({"validate_certs": "perhaps"}, "validate_certs"),
    ({"ca_path": "/nonexistent/nvair/ca.pem"}, "ca_path '/nonexistent/nvair/ca.pem' does not"),
]

CHECKPOINT_CASES = [
    ({"id": "not-a-uuid"}, "id must be a checkpoint id (UUID), got 'not-a-uuid'"),
    ({"id": CP[:-1]}, "id must be a checkpoint id (UUID)"),
    ({"id": ""}, "id must be a checkpoint id (UUID), got ''"),
    ({"state": "deleted"}, "value of state must be one of: present, absent, got: deleted"),
    ({"name": "n" * 129}, "name is 129 characters long; the API allows at most 128"),
    ({"name": "ü" * 129}, "name is 129 characters long"),
    ({"favorite": "sometimes"}, "argument 'favorite' is of type"),
    ({"force": "please"}, "argument 'force' is of type"),
    ({"wait_timeout": -1, "state": "absent", "name": None}, "wait_timeout must be 0 or more"),
    ({"wait_timeout": True}, "wait_timeout must be a whole number, got the boolean True"),
    ({"wait_timeout": "1.5"}, "argument 'wait_timeout' is of type"),
    ({"id": None, "simulation": "", "name": "x"}, "simulation must be a simulation id or name"),
    ({"id": None, "simulation": "  ", "name": "x"}, "simulation must be a simulation id or name"),
    ({"state": "absent", "favorite": True, "name": None}, "favorite has no meaning with state"),
]

LIST_CASES = [
    ({"checkpoints": ["nope"]}, "checkpoints[0] is not a checkpoint id (UUID): 'nope'"),
    ({"checkpoints": [CP, 7]}, "checkpoints[1] must be a checkpoint id or a dict with 'id'"),
    ({"checkpoints": [{"name": "x"}]}, "checkpoints[0] is not a checkpoint id (UUID): None"),
    ({"checkpoints": [{"id": CP, "modified": "yesterday"}]}, "checkpoints[0].modified is not"),
    ({"checkpoints": [CP], "concurrency": 0}, "concurrency must be 1 to 32, got 0"),
    ({"checkpoints": [CP], "concurrency": -4}, "concurrency must be 1 to 32, got -4"),
    ({"checkpoints": [CP], "concurrency": 33}, "concurrency must be 1 to 32, got 33"),
    ({"checkpoints": [CP], "concurrency": True}, "concurrency must be a whole number, got the"),
]

INFO_CASES = [
    ({"id": ["x"]}, "id: 'x' is not a checkpoint id"),
    ({"run": [""]}, "run: '' is not a run id"),
    ({"simulation": [" "]}, "simulation: an empty value is neither a simulation id nor a name"),
    ({"state": ["complete"]}, "value of state must be one or more of: PENDING, COMPLETE, DELETED"),
    ({"state": ["GONE"]}, "value of state must be one or more of"),
    ({"favorite": "maybe"}, "argument 'favorite' is of type"),
    ({"limit": 0}, "limit must be 1 or more, got 0"),
    ({"limit": -3}, "limit must be 1 or more, got -3"),
    ({"limit": True}, "limit must be a whole number, got the boolean True"),
    ({"created_before": "2026-02-30"}, "created_before: '2026-02-30' is neither an ISO-8601"),
    ({"created_before": "2026-03-11T25:00:00Z"}, "created_before: '2026-03-11T25:00:00Z'"),
    ({"created_before": "-5d"}, "created_before: '-5d' is neither"),
    ({"created_before": "0d"}, "created_before: '0d' is neither"),
    ({"created_before": "99999999d"}, "created_before: '99999999d' is neither"),
    ({"created_before": "1000000000000d"}, "created_before: '1000000000000d' is neither"),
    ({"created_after": ""}, "created_after: '' is neither"),
    ({"created_after": "last week"}, "created_after: 'last week' is neither"),
    ({"created_after": "1d", "created_before": "2d"}, "created_after (1d) is not earlier than"),
    ({"ordering": ""}, "ordering '' has an empty term"),
    ({"ordering": "size"}, "ordering 'size'"),
    ({"query": ""}, "query is not a valid JMESPath expression"),
    ({"query": "[?state=="}, "query is not a valid JMESPath expression"),
]


def call(main, args):
    full = {"api_url": BASE, "api_token": TOKEN, "retries": 0}
    full.update(args)
    full = {k: v for k, v in full.items() if v is not None}
    # Every request is answered (and counted) by a catch-all that no valid call would expect.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        for method in (responses.GET, responses.PATCH, responses.DELETE, responses.POST):
            http.add(method, re.compile(r".*"), status=599, json={"detail": "unexpected"})
        kind, payload, warnings = run_module(main, full)
        sent = len(http.calls)
    return kind, payload, warnings, sent


def check_refused(main, args, expected):
    kind, payload, warnings, requests_sent = call(main, args)
    assert kind == "fail", payload
    assert requests_sent == 0, payload
    assert expected in payload["msg"]
    assert TOKEN not in json.dumps(payload) + json.dumps(warnings)


@pytest.mark.parametrize(("args", "expected"), CONNECTION_CASES + CHECKPOINT_CASES)
def test_air_checkpoint_refuses_before_any_request(args, expected):
    check_refused(air_checkpoint.main, {"id": CP, "name": "kept", **args}, expected)


@pytest.mark.parametrize(("args", "expected"), LIST_CASES)
def test_air_checkpoint_list_form_refuses_before_any_request(args, expected):
    check_refused(air_checkpoint.main, {"state": "absent", **args}, expected)


@pytest.mark.parametrize(("args", "expected"), CONNECTION_CASES + INFO_CASES)
def test_air_checkpoint_info_refuses_before_any_request(args, expected):
    check_refused(air_checkpoint_info.main, args, expected)


# Names: the API accepts an empty checkpoint name and stores names as sent (contract 8.4), so
# an empty or whitespace-only name is a valid rename, not bad input. 128 characters is allowed.
@pytest.mark.parametrize("name", ["", "   ", "n" * 128, "ü" * 128])
def test_names_the_api_accepts_are_sent(name):
    kind, payload, _warnings, requests_sent = call(air_checkpoint.main, {"id": CP, "name": name})
    # The catch-all's 599 fails the lookup: the name itself passed validation.
    assert kind == "fail"
    assert requests_sent == 1
    assert payload["msg"].startswith(f"GET simulations/runs/checkpoints/{CP}/: 599")
