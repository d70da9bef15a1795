"""HTTP-level robustness: malformed requests get a 4xx, never a crash or a 500."""

import socket

import pytest
from conftest import CHECKPOINTS


def raw_exchange(emu, head, body=b"", half_close=False):
    """Send bytes as they are and return the status line's code (None when nothing came)."""
    with socket.create_connection((emu.host, emu.port), timeout=30) as sock:
        sock.sendall(head.replace(b"TOKEN", emu.token.encode()) + body)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split()[1]) if data else None


ITEM = b"/api/v3/simulations/runs/checkpoints/00000000-0000-4000-8000-000000000000/"


@pytest.mark.parametrize(
    ("head", "body", "half_close"),
    [
        (
            b"GET /api/v3/simulations/ HTTP/1.1\r\nAuthorization: Bearer TOKEN\r\n"
            b"Content-Length: -1\r\n\r\n",
            b"",
            False,
        ),
        (
            b"GET /api/v3/simulations/ HTTP/1.1\r\nAuthorization: Bearer TOKEN\r\n"
            b"Content-Length: abc\r\n\r\n",
            b"",
            False,
        ),
        (
            b"PATCH " + ITEM + b" HTTP/1.1\r\nAuthorization: Bearer TOKEN\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
            b"2\r\n{}\r\n0\r\n\r\n",
            False,
        ),
        (
            b"PATCH " + ITEM + b" HTTP/1.1\r\nAuthorization: Bearer TOKEN\r\n"
            b"Content-Length: 50\r\n\r\n",
            b"{}",
            True,
        ),
        (
            b"PATCH " + ITEM + b" HTTP/1.1\r\nAuthorization: Bearer TOKEN\r\n"
            b"Content-Length: 9999999\r\n\r\n",
            b"{}",
            False,
        ),
    ],
)
def test_malformed_http_requests_are_400(emu, head, body, half_close):
    assert raw_exchange(emu, head, body, half_close) == 400


def test_odd_host_header_falls_back_to_the_server_address(emu):
    answer = emu.request("GET", CHECKPOINTS, params={"limit": 1}, headers={"Host": "a b c"})

    assert answer.status == 200
    assert answer.json()["next"].startswith(emu.root_url + "/api/v3/")


def test_non_utf8_authorization_is_403(emu):
    head = b"GET /api/v3/simulations/ HTTP/1.1\r\nAuthorization: Bearer \xff\xfe\r\n\r\n"

    assert raw_exchange(emu, head) == 403


@pytest.mark.parametrize(
    "query",
    [
        "offset=99999999999999999999999",
        "limit=99999999999999999999999&offset=5",
        "ordering=%20created%20,%20-name",
        "search=%25%5F%00",
        "search=%ff%fe",
        "run=&simulation=&state=&favorite=",
        "a=1&" * 2000,
        "limit=" + "9" * 5000,
        "offset=" + "9" * 5000,
    ],
)
def test_odd_but_valid_queries_are_200(emu, query):
    assert emu.request("GET", f"{CHECKPOINTS}?{query}").status == 200


@pytest.mark.parametrize(
    "query", ["limit=%D9%A3", "limit=5&limit=abc", "simulation=%ff", "offset=-" + "9" * 5000]
)
def test_odd_invalid_queries_are_400(emu, query):
    assert emu.request("GET", f"{CHECKPOINTS}?{query}").status == 400


def test_garbage_request_line_does_not_stop_the_server(emu):
    with socket.create_connection((emu.host, emu.port), timeout=30) as sock:
        sock.sendall(b"GARBAGE\r\n\r\n")
        sock.recv(4096)

    assert emu.request("GET", CHECKPOINTS, params={"limit": 1}).status == 200
