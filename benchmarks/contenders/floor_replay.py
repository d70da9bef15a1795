"""Contender (d), the floor: the fewest requests retention needs, sent one after another.

Every COMPLETE checkpoint and every run at the largest page size (1000), then one DELETE per
doomed checkpoint, on one keep-alive requests session. No retries, no re-reads, no checks.

    AIR_API_URL=... AIR_API_TOKEN=... python floor_replay.py KEEP

Prints one JSON line: {"listed": N, "deleted": N}.
"""

import json
import os
import sys

import requests
from plan import doomed

PAGE = 1000


def listing(session, url):
    while url:
        page = session.get(url, timeout=60)
        page.raise_for_status()
        body = page.json()
        yield from body["results"]
        url = body["next"]


def main():
    keep = int(sys.argv[1])
    base = os.environ["AIR_API_URL"].rstrip("/")
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + os.environ["AIR_API_TOKEN"]

    checkpoints = list(
        listing(
            session,
            f"{base}/simulations/runs/checkpoints/?state=COMPLETE&limit={PAGE}&ordering=created",
        )
    )
    runs = {
        run["id"]: run["simulation"]
        for run in listing(session, f"{base}/simulations/runs/?limit={PAGE}&ordering=created")
    }
    ids = doomed(checkpoints, runs.get, keep)
    for checkpoint_id in ids:
        answer = session.delete(f"{base}/simulations/runs/checkpoints/{checkpoint_id}/", timeout=60)
        if answer.status_code != 204:
            sys.exit(f"DELETE answered {answer.status_code}")
    print(json.dumps({"listed": len(checkpoints), "deleted": len(ids)}))


if __name__ == "__main__":
    main()
