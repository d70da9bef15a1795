"""Peak Python memory and time of checkpoint listings through the collection's client.

    python3 benchmarks/info_listing_memory.py [--sizes 10000 100000] [--page-size 1000]

Needs requests (the collection's runtime requirement). Starts the Air emulator on 127.0.0.1,
generates each dataset size in turn and measures, with tracemalloc:
- stream: AirClient.paginate over every checkpoint, keeping none (flat memory means pages are
  not held);
- filtered: air_checkpoint_info's selection with a client-side filter that keeps none (newest
  first and created_before in the distant past, so every page streams through);
- everything: the selection that returns every checkpoint with its simulation id (the result
  itself grows with the data).
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from harness import EmulatorProcess


def import_collection():
    """Make `ansible_collections.nvair.air` importable from this checkout."""
    tree = tempfile.mkdtemp(prefix="nvair-bench-")
    os.makedirs(os.path.join(tree, "ansible_collections", "nvair"))
    os.symlink(ROOT, os.path.join(tree, "ansible_collections", "nvair", "air"))
    sys.path.insert(0, tree)


def measure(action):
    tracemalloc.start()
    started = time.perf_counter()
    value = action()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, seconds, peak / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--simulations", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()

    import_collection()
    from ansible_collections.nvair.air.plugins.module_utils.air_client import AirClient
    from ansible_collections.nvair.air.plugins.module_utils.checkpoint_listing import Selection

    path = "simulations/runs/checkpoints/"
    long_ago = datetime(2000, 1, 1, tzinfo=timezone.utc)
    print(f"page size {args.page_size}; peak = tracemalloc peak of this process")
    with EmulatorProcess(dataset="empty") as emu:
        for size in args.sizes:
            emu.load(generate={"simulations": args.simulations, "checkpoints": size, "seed": 1})
            with AirClient(emu.base_url, emu.token, page_size=args.page_size) as client:
                streamed, s_time, s_peak = measure(
                    lambda client=client: sum(1 for _item in client.paginate(path))
                )
                kept, f_time, f_peak = measure(
                    lambda client=client: Selection(
                        created_before=long_ago, ordering="-created"
                    ).fetch(client)[0]
                )
                everything, a_time, a_peak = measure(
                    lambda client=client: Selection().fetch(client)[0]
                )
            print(
                f"{size:>8} checkpoints | stream {streamed}: {s_time:.1f} s, peak {s_peak:.1f} MB"
                f" | filtered to {len(kept)}: {f_time:.1f} s, peak {f_peak:.1f} MB"
                f" | everything {len(everything)}: {a_time:.1f} s, peak {a_peak:.1f} MB"
            )


if __name__ == "__main__":
    main()
