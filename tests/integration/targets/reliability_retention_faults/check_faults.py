"""The checkpoint_retention role against faults, a restart and changes made mid-run.

Each scenario loads the same data set into a private emulator (with a state file, so data
survives a restart), injects its fault, runs the role once (it must either succeed or fail
with a clear message), then runs it again without faults and checks that exactly the
intended checkpoints survive. The intended set is computed here, from the data, with the
rule in the role's documentation: per simulation every favorite and the newest KEEP other
COMPLETE checkpoints stay; PENDING and DELETED ones are never touched.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

# The shared setup target (needs/target/setup_emulator_harness) finds tests/emulator.
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "setup_emulator_harness")
)
from emulator_harness import EmulatorProcess  # pylint: disable=wrong-import-position

KEEP = 3
TOKEN = "nvapi-reliability-" + secrets.token_hex(24)
CP_ITEM = "/api/v3/simulations/runs/checkpoints/{id}/"
CP_PATH = "/api/v3/simulations/runs/checkpoints/"


def uuid(kind, sim, index=0):
    return f"{kind:08x}-0000-4000-8000-{sim:06x}{index:06x}"


def dataset():
    """4 simulations x 12 checkpoints: favorites, a PENDING newest, a DELETED, equal times."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    sims, runs, cps = [], [], []
    for sim in range(4):
        sims.append({"id": uuid(0x51, sim), "name": f"rel-{sim}", "state": "INACTIVE"})
        runs.append({"id": uuid(0x52, sim), "simulation": uuid(0x51, sim), "name": "Run 1"})
        for index in range(12):
            state = "COMPLETE"
            if sim == 0 and index == 11:
                state = "PENDING"
            elif sim == 1 and index == 2:
                state = "DELETED"
            created = start + timedelta(days=index, hours=sim)
            cps.append(
                {
                    "id": uuid(0xC0, sim, index),
                    "name": f"rel-{sim}-{index}",
                    "favorite": index in (0, 5, 10) and sim != 3,
                    "run": uuid(0x52, sim),
                    "state": state,
                    "created": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "modified": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                }
            )
    return {"simulations": sims, "runs": runs, "checkpoints": cps}


def listing(emu):
    """Every checkpoint, by id, straight from the API (all states)."""
    found, offset = {}, 0
    while True:
        page = emu.request(
            "GET", "simulations/runs/checkpoints/", params={"limit": 500, "offset": offset}
        ).json()
        for item in page["results"]:
            found[item["id"]] = item
        if not page["next"]:
            return found
        offset += 500


def created_at(item):
    return datetime.fromisoformat(item["created"].replace("Z", "+00:00"))


def intended_survivors(checkpoints, run_to_sim):
    """Ids that must not be DELETED once the policy has been applied to this data."""
    live = {cid: c for cid, c in checkpoints.items() if c["state"] != "DELETED"}
    by_sim = {}
    for item in live.values():
        # Favorites are kept and, by default, do not use up places of KEEP.
        if item["state"] == "COMPLETE" and not item["favorite"]:
            by_sim.setdefault(run_to_sim[item["run"]], []).append(item)
    doomed = set()
    for items in by_sim.values():
        items.sort(key=lambda c: (created_at(c), c["id"]), reverse=True)
        doomed.update(c["id"] for c in items[KEEP:])
    return set(live) - doomed


def survivors(emu):
    return {cid for cid, c in listing(emu).items() if c["state"] != "DELETED"}


class Runner:
    def __init__(self, workdir):
        self.workdir = workdir
        self.state_file = os.path.join(workdir, "air.sqlite")
        self.run_to_sim = {r["id"]: r["simulation"] for r in dataset()["runs"]}
        self.emu = None
        self.report = []

    def start(self, port=None):
        extra = ["--port", str(port)] if port else []
        self.emu = EmulatorProcess(
            dataset="empty",
            token=TOKEN,
            complete_after=0,
            auto_delete_limit=0,
            state_file=self.state_file,
            extra_args=extra,
        ).start()

    def command(self, **knobs):
        values = {"rel_api_url": self.emu.base_url, "rel_token": TOKEN, "rel_keep": KEEP}
        values.update(knobs)
        path = os.path.join(self.workdir, "vars.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(values, handle)
        command = ["ansible-playbook", "-e", f"@{path}", "retention.yml"]
        if os.environ.get("INVENTORY_PATH"):
            command[1:1] = ["-i", os.environ["INVENTORY_PATH"]]
        return command

    def play(self, **knobs):
        done = subprocess.run(self.command(**knobs), capture_output=True, text=True, check=False)
        return done.returncode, done.stdout + done.stderr

    def fresh(self):
        self.emu.load(data=dataset())
        self.emu.reset()
        before = listing(self.emu)
        return before, intended_survivors(before, self.run_to_sim)

    def deletes(self):
        return self.emu.counters()["by_route"].get(f"DELETE {CP_ITEM}", 0)

    def converge(self, name, before, faults, first_status, first_output, expected=None):
        """Re-run without faults; the survivors must be exactly the intended ones."""
        tried = self.deletes()
        self.emu.clear_faults()
        status, output = self.play()
        after = listing(self.emu)
        left = {cid for cid, c in after.items() if c["state"] != "DELETED"}
        if expected is None:
            # Runs made during the scenario (a start) belong to the map too.
            runs = self.emu.request("GET", "simulations/runs/", params={"limit": 500}).json()
            self.run_to_sim.update({r["id"]: r["simulation"] for r in runs["results"]})
            expected = intended_survivors(before, self.run_to_sim)
        problems = []
        if status != 0:
            problems.append(f"the re-run failed:\n{output[-3000:]}")
        if first_status != 0 and "fatal" not in first_output and "FAILED" not in first_output:
            problems.append("the faulted run failed without a task failure message")
        if left != expected:
            problems.append(
                f"survivors differ: lost {sorted(expected - left)}, extra {sorted(left - expected)}"
            )
        wrongly = [
            cid
            for cid in set(before) - left
            if before[cid]["state"] != "DELETED"
            and (before[cid]["state"] != "COMPLETE" or before[cid]["favorite"])
        ]
        if wrongly:
            problems.append(f"deleted a PENDING checkpoint or a favorite: {sorted(wrongly)}")
        first = "ok" if first_status == 0 else "failed clearly"
        line = (
            f"{name}: {faults} faults injected; first run {first}; "
            f"{tried} DELETE requests in the first run, {self.deletes() - tried} in the re-run; "
            f"{len(left)} of {len(before)} survive, {len(expected)} intended"
        )
        self.report.append(line)
        print(line, flush=True)
        if problems:
            raise AssertionError(f"{name}: " + "; ".join(problems))

    # -- scenarios -------------------------------------------------------------------------

    def faulted(self, name, faults, **knobs):
        before = self.fresh()[0]
        count = 0
        for fault in faults:
            self.emu.fault(**fault)
            count += fault.get("count", 1)
        status, output = self.play(**knobs)
        if "Traceback" in output:
            raise AssertionError(f"{name}: a traceback reached the output:\n{output[-3000:]}")
        self.converge(name, before, count, status, output)

    def restart_mid_delete(self):
        before = self.fresh()[0]
        # Slow answers keep the delete phase long enough to interrupt it part way through.
        self.emu.settings(latency_ms=150)
        process = subprocess.Popen(
            self.command(rel_retries=10, rel_concurrency=2),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 120
        while self.deletes() < 3 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        interrupted_at = self.deletes()
        port = self.emu.port
        # SIGKILL, as in a crash: no chance to finish the requests in flight.
        self.emu.process.kill()
        self.emu.stop()
        time.sleep(0.5)
        self.start(port)
        output = process.communicate(timeout=300)[0]
        print(f"restart: emulator killed after {interrupted_at} DELETEs and restarted on {port}")
        self.converge("restart", before, 1, process.returncode, output)

    def changes_between_plan_and_delete(self):
        before = self.fresh()[0]
        planned = sorted(
            (cid for cid in set(before) - intended_survivors(before, self.run_to_sim)),
            key=lambda cid: before[cid]["created"],
        )
        # The list form re-reads one simulation at a time, in the plan's order (simulation
        # ids ascending), just before deleting its checkpoints. The first DELETE waits 3 s with
        # one worker, so the changes below land before the last simulation is re-read.
        last_sim = max(self.run_to_sim[before[cid]["run"]] for cid in planned)
        planned = [cid for cid in planned if self.run_to_sim[before[cid]["run"]] == last_sim]
        self.emu.fault(
            kind="delay", delay_ms=3000, count=1, method="DELETE", path=CP_ITEM, exact=True
        )
        process = subprocess.Popen(
            self.command(rel_concurrency=1),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 120
        route = f"DELETE {CP_ITEM}"
        while (
            self.emu.counters()["by_route"].get(route, 0) < 1
            and process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        favorited, renamed = planned[-1], planned[-2]
        self.emu.request(
            "PATCH", f"simulations/runs/checkpoints/{favorited}/", json_body={"favorite": True}
        )
        self.emu.request(
            "PATCH",
            f"simulations/runs/checkpoints/{renamed}/",
            json_body={"name": "renamed mid-run"},
        )
        sim = uuid(0x51, 2)
        self.emu.request("PATCH", f"simulations/{sim}/start/", json_body={})
        self.emu.request("GET", f"simulations/{sim}/")
        self.emu.request("PATCH", f"simulations/{sim}/shutdown/", json_body={})
        output = process.communicate(timeout=300)[0]
        now = listing(self.emu)
        new = [cid for cid in now if cid not in before]
        problems = []
        # Skipped items do not fail the run; the outcome line counts them.
        if process.returncode != 0 or "0 failed" not in output or " 2 skipped" not in output:
            problems.append("the run should succeed and report 2 skipped checkpoints")
        for cid, why in ((favorited, "favorited"), (renamed, "renamed")):
            if now[cid]["state"] == "DELETED":
                problems.append(f"the checkpoint {why} after the plan was deleted")
        if len(new) != 1 or now[new[0]]["state"] == "DELETED":
            problems.append(f"the checkpoint made during the run is gone or missing: {new}")
        if problems:
            raise AssertionError("race: " + "; ".join(problems) + "\n" + output[-3000:])
        print("race: 1 favorited, 1 renamed, 1 new checkpoint during the delete phase: all kept")
        # The re-run plans afresh: the new checkpoint now counts among the newest.
        self.converge("race", now, 0, process.returncode, output)

    def deletion_limit(self):
        before, intended = self.fresh()
        planned = len([c for c in before if before[c]["state"] != "DELETED"]) - len(intended)
        status, output = self.play(rel_max_deletions=planned - 1)
        if status == 0 or "more than checkpoint_retention_max_deletions" not in output:
            raise AssertionError(f"limit: the role did not stop:\n{output[-3000:]}")
        if self.deletes() != 0 or survivors(self.emu) != set(
            c for c in before if before[c]["state"] != "DELETED"
        ):
            raise AssertionError(
                "limit: something was deleted although the plan was over the limit"
            )
        print(f"limit: a plan of {planned} deletions over a limit of {planned - 1}: 0 DELETEs sent")


def main():
    workdir = tempfile.mkdtemp(prefix="nvair-faults-")
    runner = Runner(workdir)
    runner.start()
    try:
        runner.deletion_limit()
        runner.faulted(
            "429 storm",
            [
                {"kind": "status", "status": 429, "count": 3, "retry_after": 1, "method": "GET"},
                {
                    "kind": "status",
                    "status": 429,
                    "count": 10,
                    "retry_after": 1,
                    "method": "DELETE",
                },
            ],
            rel_retries=6,
        )
        runner.faulted(
            "5xx bursts",
            [
                {"kind": "status", "status": s, "count": 2, "method": "DELETE", "path": CP_ITEM}
                for s in (500, 502, 503, 504)
            ]
            + [{"kind": "status", "status": 503, "count": 2, "method": "GET", "path": CP_PATH}],
        )
        runner.faulted(
            "slow answers",
            [
                {"kind": "delay", "delay_ms": 2500, "count": 1, "method": "GET", "path": CP_PATH},
                {
                    "kind": "delay",
                    "delay_ms": 2500,
                    "count": 3,
                    "method": "DELETE",
                    "path": CP_ITEM,
                },
            ],
            rel_timeout=1,
        )
        runner.faulted(
            "dropped connections",
            [
                {"kind": "drop", "count": 2, "method": "GET", "path": CP_PATH},
                {"kind": "drop", "count": 3, "method": "DELETE", "path": CP_ITEM},
                {
                    "kind": "drop",
                    "count": 2,
                    "method": "DELETE",
                    "path": CP_ITEM,
                    "processed": True,
                },
            ],
        )
        runner.restart_mid_delete()
        runner.changes_between_plan_and_delete()
    finally:
        runner.emu.stop()
    print("summary:\n  " + "\n  ".join(runner.report))


if __name__ == "__main__":
    main()
