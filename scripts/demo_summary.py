# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print a per-simulation table from a checkpoint_retention JSON report.

    python3 scripts/demo_summary.py .demo/report/checkpoint-retention.json [--all]

Simulation names are looked up through AIR_API_URL and AIR_API_TOKEN when both are set (the
plan itself only holds ids); without them, or if the lookup fails, ids are shown. By default
the simulations with the most deletions are listed and the rest folded into one row.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request

SHOWN = 12


def simulation_names(api_url, token) -> dict:
    names = {}
    url = f"{api_url.rstrip('/')}/simulations/?limit=500&offset=0&ordering=name"
    while url:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            page = json.load(response)
        for simulation in page.get("results", []):
            names[simulation["id"]] = simulation.get("name") or simulation["id"]
        url = page.get("next")
    return names


def short(text, width) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def rows_of(plan, names) -> list[tuple]:
    rows = []
    for entry in plan["simulations"]:
        favorites = sum(1 for item in entry["kept"] if item["favorite"])
        rows.append(
            (
                names.get(entry["simulation"], entry["simulation"]),
                entry["complete"],
                len(entry["kept"]),
                favorites,
                len(entry["deleted"]),
                entry["pending"],
            )
        )
    return sorted(rows, key=lambda row: (-row[4], row[0]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="checkpoint-retention.json written by the role")
    parser.add_argument("--all", action="store_true", help="one row for every simulation")
    args = parser.parse_args()

    with open(args.report, encoding="utf-8") as handle:
        report = json.load(handle)
    plan, outcome = report["plan"], report.get("outcome") or {}

    names = {}
    if os.environ.get("AIR_API_URL") and os.environ.get("AIR_API_TOKEN"):
        try:
            names = simulation_names(os.environ["AIR_API_URL"], os.environ["AIR_API_TOKEN"])
        except (OSError, ValueError, KeyError) as err:
            # The exception text never holds the token (it only travels in a header).
            print(f"(simulation names unavailable: {type(err).__name__}; showing ids)")

    rows = rows_of(plan, names)
    if not args.all and len(rows) > SHOWN + 1:
        rest = rows[SHOWN:]
        rows = rows[:SHOWN]
        rows.append(
            (
                f"({len(rest)} more simulations)",
                *(sum(row[i] for row in rest) for i in range(1, 6)),
            )
        )
    totals = plan["totals"]
    total_row = (
        f"total: {totals['simulations']} simulations",
        totals["complete"],
        totals["kept"],
        totals["favorites_kept"],
        totals["delete"],
        totals["pending_ignored"],
    )

    header = ("simulation", "COMPLETE before", "kept", "of which favorites", "deleted", "PENDING")
    width = min(40, max(len(str(row[0])) for row in [header, total_row, *rows]))
    line = f"{{:<{width}}}  {{:>15}}  {{:>5}}  {{:>18}}  {{:>7}}  {{:>7}}"
    rule = "-" * (width + 62)
    print(line.format(*header))
    print(rule)
    for row in rows:
        print(line.format(short(str(row[0]), width), *row[1:]))
    print(rule)
    print(line.format(short(total_row[0], width), *total_row[1:]))

    policy = plan["policy"]
    print()
    print(
        f"Policy: keep the newest {policy['keep']} COMPLETE checkpoints per simulation, plus "
        "every favorite; PENDING ones are left alone."
    )
    if outcome:
        print(
            "Outcome: "
            + ", ".join(f"{outcome.get(key, 0)} {key}" for key in ("changed", "ok", "skipped"))
            + f", {outcome.get('failed', 0)} failed (changed = deleted)"
        )
    else:
        print("Outcome: nothing was deleted (check mode or nothing to delete).")
    return 1 if outcome.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
