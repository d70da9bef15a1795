"""32 concurrent keep-alive clients: every answer correct, each write applied exactly once."""

import http.client
import json
import threading

from conftest import CHECKPOINTS, first_page, get_all

THREADS = 32
ROUNDS = 10


def run_threads(target, count=THREADS):
    errors = []

    def guarded(index):
        try:
            target(index)
        except BaseException as err:  # reported to the main thread below
            errors.append(err)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def connect(emu):
    return http.client.HTTPConnection(emu.host, emu.port, timeout=60)


def call(connection, emu, method, path, body=None):
    headers = {"Authorization": f"Bearer {emu.token}", "Content-Type": "application/json"}
    payload = None if body is None else json.dumps(body)
    connection.request(method, "/api/v3/" + path, body=payload, headers=headers)
    answer = connection.getresponse()
    data = answer.read()
    return answer.status, (json.loads(data) if data else None)


def test_keep_alive_connection_serves_many_requests(emu):
    connection = connect(emu)
    try:
        call(connection, emu, "GET", CHECKPOINTS + "?limit=1")
        sock = connection.sock

        for _request in range(5):
            assert call(connection, emu, "GET", CHECKPOINTS + "?limit=1")[0] == 200

        assert connection.sock is sock
    finally:
        connection.close()


def test_32_clients_read_and_write_concurrently(fresh):
    owned = get_all(fresh, CHECKPOINTS, {"state": "COMPLETE"})[:THREADS]
    total = fresh.request("GET", CHECKPOINTS, params={"limit": 1}).json()["count"]
    fresh.reset()

    def client(index):
        mine = owned[index]["id"]
        connection = connect(fresh)
        try:
            for n in range(ROUNDS):
                status, page = call(
                    connection,
                    fresh,
                    "GET",
                    f"{CHECKPOINTS}?limit=50&offset={(index * 61) % total}",
                )
                assert status == 200 and page["count"] == total and page["results"]
                status, item = call(
                    connection, fresh, "PATCH", f"{CHECKPOINTS}{mine}/", {"name": f"t{index}-{n}"}
                )
                assert status == 200 and item["name"] == f"t{index}-{n}"
            assert call(connection, fresh, "DELETE", f"{CHECKPOINTS}{mine}/", {})[0] == 204
        finally:
            connection.close()

    run_threads(client)

    for index, item in enumerate(owned):
        after = fresh.request("GET", f"{CHECKPOINTS}{item['id']}/").json()
        assert after["state"] == "DELETED" and after["name"] == f"t{index}-{ROUNDS - 1}"
    counters = fresh.counters()
    assert counters["total"] == THREADS * (2 * ROUNDS + 1) + THREADS
    assert counters["internal_errors"] == 0


def test_concurrent_deletes_of_one_checkpoint_succeed_exactly_once(fresh):
    target = first_page(fresh, CHECKPOINTS, {"state": "COMPLETE"})[0]["id"]
    results = []
    start = threading.Barrier(THREADS)

    def client(_index):
        connection = connect(fresh)
        try:
            start.wait(60)
            results.append(call(connection, fresh, "DELETE", f"{CHECKPOINTS}{target}/", {})[0])
        finally:
            connection.close()

    run_threads(client)

    assert sorted(results) == [204] + [400] * (THREADS - 1)
