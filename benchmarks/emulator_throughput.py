"""Requests per second the Air emulator serves on this machine.

    python3 benchmarks/emulator_throughput.py

Starts the emulator on 127.0.0.1, generates a dataset (100,000 COMPLETE checkpoints by
default), then measures list pages (limit 200) at offset 0 and at deep offsets, and DELETEs,
sequentially and with 8 and 32 client threads on keep-alive connections. Every scenario is
bounded by a request count and a time limit. Standard library only.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "emulator")
)

from harness import EmulatorProcess

CHECKPOINTS = "/api/v3/simulations/runs/checkpoints/"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", type=int, default=100_000)
    parser.add_argument("--simulations", type=int, default=500)
    parser.add_argument("--requests", type=int, default=400, help="list requests per scenario")
    parser.add_argument("--deletes", type=int, default=2000, help="DELETEs per scenario")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="time limit per scenario")
    return parser.parse_args()


class Client:
    """One keep-alive connection, as a pooled HTTP client would hold it."""

    def __init__(self, emu):
        self.emu = emu
        self.connection = http.client.HTTPConnection(emu.host, emu.port, timeout=60)
        self.headers = {"Authorization": f"Bearer {emu.token}", "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        self.connection.request(method, path, body=body, headers=self.headers)
        answer = self.connection.getresponse()
        data = answer.read()
        return answer.status, data

    def close(self):
        self.connection.close()


def measure(emu, threads, jobs, max_seconds):
    """Run `jobs` (callables taking a Client) over `threads` clients; (done, seconds, bad)."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    done, bad = [0], [0]
    deadline = time.monotonic() + max_seconds

    def worker():
        client = Client(emu)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if not queue:
                        return
                    job = queue.pop()
                ok = job(client)
                with lock:
                    done[0] += 1
                    bad[0] += 0 if ok else 1
        finally:
            client.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker) for _thread in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return done[0], time.monotonic() - started, bad[0]


def list_job(offset):
    def job(client):
        status = client.call("GET", f"{CHECKPOINTS}?limit=200&offset={offset}&ordering=created")[0]
        return status == 200

    return job


def delete_job(checkpoint_id):
    def job(client):
        status = client.call("DELETE", f"{CHECKPOINTS}{checkpoint_id}/", b"{}")[0]
        return status == 204

    return job


def complete_ids(emu, count):
    client = Client(emu)
    ids, offset = [], 0
    try:
        while len(ids) < count:
            path = f"{CHECKPOINTS}?state=COMPLETE&limit=1000&offset={offset}&ordering=-created"
            page = json.loads(client.call("GET", path)[1])
            if not page["results"]:
                break
            ids.extend(item["id"] for item in page["results"])
            offset += 1000
    finally:
        client.close()
    return ids[:count]


def report(name, threads, result):
    done, seconds, bad = result
    rate = done / seconds if seconds else 0.0
    note = f"  ({bad} unexpected answers)" if bad else ""
    print(f"{name:<34} {threads:>7} {done:>8} {seconds:>8.2f} {rate:>10.1f}{note}", flush=True)


def main():
    args = parse_args()
    with EmulatorProcess(dataset="empty") as emu:
        started = time.monotonic()
        loaded = emu.load(
            generate={
                "simulations": args.simulations,
                "checkpoints": args.checkpoints,
                "states": "complete",
                "seed": 1,
            }
        )["loaded"]
        load_seconds = time.monotonic() - started
        print(
            f"dataset: {loaded['checkpoints']} checkpoints, {loaded['simulations']} simulations, "
            f"generated and loaded in {load_seconds:.2f} s"
        )
        print(f"{'scenario':<34} {'threads':>7} {'requests':>8} {'seconds':>8} {'req/s':>10}")

        total = loaded["checkpoints"]
        deep = max(int(total * 0.9), 0)
        sequential = {}
        for threads in (1, 8, 32):
            for offset in (0, deep):
                jobs = [list_job(offset)] * args.requests
                result = measure(emu, threads, jobs, args.max_seconds)
                report(f"list limit=200 offset={offset}", threads, result)
                if threads == 1:
                    sequential[offset] = result[1] / max(result[0], 1)
        print(
            f"sequential page time: {sequential[0] * 1000:.1f} ms at offset 0, "
            f"{sequential[deep] * 1000:.1f} ms at offset {deep}"
        )

        ids = complete_ids(emu, args.deletes * 3)
        for n, threads in enumerate((1, 8, 32)):
            chunk = ids[n * args.deletes : (n + 1) * args.deletes]
            jobs = [delete_job(checkpoint_id) for checkpoint_id in chunk]
            report("DELETE checkpoint", threads, measure(emu, threads, jobs, args.max_seconds))

        counters = emu.counters()
        print(f"emulator internal errors: {counters['internal_errors']}")
    print("reproduce with: python3 benchmarks/emulator_throughput.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
