"""Time (and optionally profile) the collection's code paths of scenario R in one process.

    python benchmarks/profile_paths.py [--quick] [--concurrency 16] [--page-size 1000]
        [--profile listing|plan|delete] [--latency MS]

Without Ansible around them: air_checkpoint_info's listing (the role's call), the retention
plan, and air_checkpoint's list form deleting the plan. Comparing these with the task times of
benchmarks/retention_compare.py shows what Ansible itself adds. Starts the emulator on
127.0.0.1; needs requests.
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from concurrent.futures import Future
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "emulator"))
sys.path.insert(0, HERE)

from benchlib import ROOT
from harness import EmulatorProcess

DATASET = {"simulations": 200, "checkpoints": 10_000, "favorite_ratio": 0.05, "seed": 1}


def import_collection():
    tree = tempfile.mkdtemp(prefix="nvair-profile-")
    os.makedirs(os.path.join(tree, "ansible_collections", "nvair"))
    os.symlink(ROOT, os.path.join(tree, "ansible_collections", "nvair", "air"))
    sys.path.insert(0, tree)


class InlinePool:
    """Stands in for ThreadPoolExecutor when profiling: cProfile sees only its own thread."""

    def __init__(self, max_workers=1):
        self.max_workers = max_workers

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def submit(self, function, *args):
        future = Future()
        future.set_result(function(*args))
        return future


def step(name, action, profile):
    profiler = cProfile.Profile() if profile == name else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    value = action()
    if profiler:
        profiler.disable()
    print(f"{name:<8} {time.perf_counter() - started:7.2f} s", flush=True)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--latency", type=int, default=0)
    parser.add_argument("--profile", choices=("listing", "plan", "delete"))
    args = parser.parse_args()

    import_collection()
    from ansible_collections.nvair.air.plugins.module_utils import checkpoint_actions as actions
    from ansible_collections.nvair.air.plugins.module_utils.air_client import AirClient
    from ansible_collections.nvair.air.plugins.module_utils.checkpoint_listing import Selection
    from ansible_collections.nvair.air.plugins.module_utils.retention import plan_retention

    if args.profile == "delete":
        actions.ThreadPoolExecutor = InlinePool
        print("profiling delete: items run one at a time in this thread")
    dataset = dict(DATASET, states="complete")
    if args.quick:
        dataset.update(simulations=20, checkpoints=1000)
    with EmulatorProcess(dataset="empty") as emu:
        emu.load(generate=dataset)
        emu.settings(latency_ms=args.latency)
        emu.reset()
        client = AirClient(emu.base_url, emu.token, page_size=args.page_size, pool_size=32)
        listed = step(
            "listing",
            lambda: Selection(states=["COMPLETE", "PENDING"]).fetch(client)[0],
            args.profile,
        )
        now = datetime.now(timezone.utc)
        plan = step("plan", lambda: plan_retention(listed, keep=3, now=now), args.profile)
        items, problems = actions.parse_items(plan["delete"])
        assert not problems, problems
        report = step(
            "delete",
            lambda: actions.run_many(
                client, items, actions.Desired(state="absent"), args.concurrency
            ),
            args.profile,
        )
        print(f"summary {report['summary']}; requests {emu.counters()['by_route']}")


if __name__ == "__main__":
    main()
