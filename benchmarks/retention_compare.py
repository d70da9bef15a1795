"""Scenario R: retention over 10,000 checkpoints, the collection against the alternatives.

    python benchmarks/retention_compare.py [--runs N] [--quick] [--latency 0 20]

Needs the packages of tests/requirements/bench.txt (ansible-core, requests, nv-air-sdk) in the
Python that runs this script; ansible-playbook is taken from the same environment. Starts the
Air emulator on 127.0.0.1 and, for every contender, loads a fresh generated dataset (200
simulations, 10,000 COMPLETE checkpoints, 5% favorites; --quick: 20 and 1,000), resets the
request counters and runs retention keep 3:

  (a) role   ansible-playbook nvair.air.retention (the checkpoint_retention role)
  (b) uri    a playbook with ansible.builtin.uri listings and a task loop of DELETEs; the loop
             is bounded to --loop-items deletions and the rest extrapolated linearly; run at
             the first --latency only unless --uri-every-latency
  (c) sdk    a Python script with the official nv-air-sdk, one simulation at a time
  (d) floor  the minimum requests (COMPLETE checkpoints and runs at limit 1000, one DELETE per
             doomed checkpoint), sequential, on one requests session

Wall time is the contender's whole process from start to exit. Requests come from the
emulator's counters. Peak memory is the largest sum of VmRSS over the contender's process tree,
polled from /proc every 20 ms (ansible-playbook forks workers and module processes); "max
proc" is the largest single process (wait4 ru_maxrss). Each latency setting (PUT
/_emulator/settings latency_ms) is a separate table; figures are medians over --runs.
"""

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "emulator"))
sys.path.insert(0, HERE)

from benchlib import ROOT, load_average, median, run_measured
from harness import EmulatorProcess

CONTENDERS = ("a", "b", "c", "d")
LABELS = {
    "a": "(a) role",
    "b": "(b) uri loop",
    "c": "(c) sdk",
    "d": "(d) floor",
}
SCENARIO_R = {
    "simulations": 200,
    "checkpoints": 10_000,
    "favorite_ratio": 0.05,
    "seed": 1,
    "states": "complete",
}
QUICK = {**SCENARIO_R, "simulations": 20, "checkpoints": 1_000}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per contender (median)")
    parser.add_argument("--quick", action="store_true", help="20 simulations, 1,000 checkpoints")
    parser.add_argument("--latency", type=int, nargs="+", default=[0, 20], help="ms per request")
    parser.add_argument("--contenders", default="abcd", help="subset of abcd")
    parser.add_argument("--loop-items", type=int, default=50, help="(b) deletions timed")
    parser.add_argument(
        "--uri-every-latency",
        action="store_true",
        help="also run (b) at latencies above 0 ms (by default only at the first latency)",
    )
    parser.add_argument("--keep", type=int, default=3)
    parser.add_argument("--concurrency", type=int, help="role concurrency (default: the role's)")
    parser.add_argument("--json", help="also write every measurement to this file")
    return parser.parse_args()


def collections_tree(workdir):
    """A temporary ansible_collections tree whose nvair/air is this checkout."""
    tree = os.path.join(workdir, "collections")
    os.makedirs(os.path.join(tree, "ansible_collections", "nvair"))
    os.symlink(ROOT, os.path.join(tree, "ansible_collections", "nvair", "air"))
    return tree


def environment(emu, workdir):
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ)
    env.update(
        PATH=bindir + os.pathsep + env.get("PATH", ""),
        AIR_API_URL=emu.base_url,
        AIR_API_TOKEN=emu.token,
        ANSIBLE_COLLECTIONS_PATH=collections_tree(workdir),
        ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
        ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="bench_timer",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_NOCOLOR="1",
        BENCH_TIMER_FILE=os.path.join(workdir, "timer.json"),
    )
    return env


def playbook_command():
    return os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def run_contender(name, args, env, workdir):
    """Run one contender; returns (Measured, details dict)."""
    timer_file = env["BENCH_TIMER_FILE"]
    if os.path.exists(timer_file):
        os.unlink(timer_file)
    if name == "a":
        command = [
            playbook_command(),
            "nvair.air.retention",
            "-e",
            f"checkpoint_retention_keep={args.keep}",
            "-e",
            "checkpoint_retention_max_deletions=1000000",
        ]
        if args.concurrency:
            command += ["-e", f"checkpoint_retention_concurrency={args.concurrency}"]
    elif name == "b":
        timing = os.path.join(workdir, "uri-timing.json")
        command = [
            playbook_command(),
            os.path.join(HERE, "contenders", "uri_retention.yml"),
            "-e",
            f"keep={args.keep}",
            "-e",
            f"uri_delete_limit={args.loop_items}",
            "-e",
            f"uri_timing_file={timing}",
        ]
    else:
        script = "sdk_retention.py" if name == "c" else "floor_replay.py"
        command = [sys.executable, os.path.join(HERE, "contenders", script), str(args.keep)]

    measured = run_measured(command, env=env, cwd=workdir)
    if measured.returncode != 0:
        tail = (measured.stdout + measured.stderr)[-3000:]
        raise SystemExit(f"{LABELS[name]} failed with exit code {measured.returncode}:\n{tail}")
    details = {}
    if os.path.exists(timer_file):
        with open(timer_file, encoding="utf-8") as handle:
            details["timer"] = json.load(handle)
    if name == "b":
        with open(timing, encoding="utf-8") as handle:
            details["loop"] = json.load(handle)
    elif name in "cd":
        details["output"] = json.loads(measured.stdout.strip().splitlines()[-1])
    return measured, details


def complete_left(emu):
    answer = emu.request(
        "GET", "simulations/runs/checkpoints/", params={"state": "COMPLETE", "limit": 1}
    )
    return answer.json()["count"]


def one_run(emu, name, args, env, workdir, dataset):
    emu.load(generate=dataset)
    before = complete_left(emu)
    emu.reset()
    measured, details = run_contender(name, args, env, workdir)
    counters = emu.counters()
    deleted = before - complete_left(emu)
    figure = {
        "contender": name,
        "seconds": measured.seconds,
        "requests": counters["total"],
        "by_route": counters["by_route"],
        "tree_peak_mib": measured.tree_peak_mib,
        "process_peak_mib": measured.process_peak_mib,
        "deleted": deleted,
        "extrapolated": False,
    }
    if name == "a":
        figure["module_runs"] = details["timer"]["module_runs"]
        figure["tasks"] = details["timer"]["tasks"]
        routes = counters["by_route"]
        figure["listings"] = routes.get("GET /api/v3/simulations/runs/checkpoints/", 0)
        figure["item_gets"] = routes.get("GET /api/v3/simulations/runs/checkpoints/{id}/", 0)
    if name == "b":
        # Same per-item cost for the rest of the loop; the listing part is measured once.
        loop = details["loop"]
        looped, doomed = loop["looped"], loop["doomed"]
        loop_seconds = loop["loop_ended"] - loop["loop_started"]
        per_item = loop_seconds / max(looped, 1)
        figure.update(
            extrapolated=True,
            measured_seconds=measured.seconds,
            measured_deleted=deleted,
            per_item_seconds=per_item,
            seconds=measured.seconds + per_item * (doomed - looped),
            requests=counters["total"] + (doomed - looped),
            deleted=doomed,
            module_runs=details["timer"]["module_runs"] + (doomed - looped),
        )
    return figure


def summarise(figures):
    keys = ("seconds", "requests", "tree_peak_mib", "process_peak_mib", "deleted")
    summary = {key: median([f[key] for f in figures]) for key in keys}
    for key in (
        "module_runs",
        "per_item_seconds",
        "measured_seconds",
        "measured_deleted",
        "listings",
        "item_gets",
    ):
        if key in figures[0]:
            summary[key] = median([f[key] for f in figures])
    summary["extrapolated"] = figures[0]["extrapolated"]
    summary["runs"] = len(figures)
    return summary


def print_table(latency, summaries, dataset, args):
    print()
    print(
        f"latency {latency} ms per request | {dataset['simulations']} simulations, "
        f"{dataset['checkpoints']} COMPLETE checkpoints, favorites {dataset['favorite_ratio']:.0%}"
        f", keep {args.keep} | median of {args.runs} run(s)"
    )
    header = (
        f"{'contender':<14} {'wall s':>9} {'requests':>9} {'deleted':>8} {'peak MiB':>9} "
        f"{'max proc':>9} {'module runs':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, summary in summaries.items():
        star = "*" if summary["extrapolated"] else " "
        runs = summary.get("module_runs")
        print(
            f"{LABELS[name]:<14} {summary['seconds']:>8.1f}{star} {summary['requests']:>8.0f}"
            f"{star} {summary['deleted']:>8.0f} {summary['tree_peak_mib']:>9.1f} "
            f"{summary['process_peak_mib']:>9.1f} {'' if runs is None else f'{runs:.0f}':>11}"
        )
    if "b" in summaries:
        b = summaries["b"]
        print(
            f"* (b) extrapolated: {b['measured_deleted']:.0f} deletions measured in "
            f"{b['measured_seconds']:.1f} s ({b['per_item_seconds']:.3f} s per loop item), the "
            f"other {b['deleted'] - b['measured_deleted']:.0f} at the same cost per item"
        )
    if "a" in summaries:
        a = summaries["a"]
        ratios = []
        for other in "bcd":
            if other in summaries:
                ratio = a["seconds"] / summaries[other]["seconds"]
                speed = f"{1 / ratio:.1f}x faster" if ratio <= 1 else f"{ratio:.1f}x slower"
                ratios.append(f"(a)/{LABELS[other][:3]} = {ratio:.3f} ({speed})")
        print("time ratios: " + "; ".join(ratios))
        if "d" in summaries:
            extra = a["requests"] - summaries["d"]["requests"]
            reads = a["item_gets"]
            print(
                f"requests: (a) - (d) = {extra:.0f} for {a['deleted']:.0f} deletions; (a) listed "
                f"checkpoints with {a['listings']:.0f} pages (its listing and the re-reads) and read "
                f"{reads:.0f} one by one"
            )


def main():
    args = parse_args()
    dataset = QUICK if args.quick else SCENARIO_R
    contenders = [name for name in CONTENDERS if name in args.contenders]
    print(f"load average before: {load_average()} ({os.cpu_count()} CPUs)")
    workdir = tempfile.mkdtemp(prefix="nvair-retention-bench-")
    everything = []
    try:
        with EmulatorProcess(dataset="empty", token=secrets.token_hex(16)) as emu:
            env = environment(emu, workdir)
            for latency in args.latency:
                emu.settings(latency_ms=latency)
                # (b)'s cost is one module run per item whatever the latency; measuring it once
                # keeps the default run near ten minutes.
                here = [
                    name
                    for name in contenders
                    if name != "b" or latency == args.latency[0] or args.uri_every_latency
                ]
                figures = {name: [] for name in here}
                for _run in range(args.runs):
                    for name in here:
                        started = time.perf_counter()
                        figure = one_run(emu, name, args, env, workdir, dataset)
                        figure["latency_ms"] = latency
                        figures[name].append(figure)
                        everything.append(figure)
                        print(
                            f"  {LABELS[name]} latency {latency} ms: {figure['seconds']:.1f} s, "
                            f"{figure['requests']} requests (took "
                            f"{time.perf_counter() - started:.0f} s)",
                            flush=True,
                        )
                summaries = {name: summarise(figures[name]) for name in here}
                print_table(latency, summaries, dataset, args)
                if "a" in figures:
                    slowest = sorted(
                        figures["a"][0]["tasks"], key=lambda task: -(task["seconds"] or 0)
                    )[:4]
                    print(
                        "(a) slowest tasks (first run): "
                        + "; ".join(f"{t['name']} {t['seconds']:.1f} s" for t in slowest)
                    )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nload average after: {load_average()}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(everything, handle, indent=1)
    print("reproduce with: python benchmarks/retention_compare.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
