"""Contender (c): retention written with the official SDK (nv-air-sdk), as its docs show it.

For every simulation, list its COMPLETE checkpoints, keep the newest KEEP non-favorites and
every favorite, and call delete() on the rest. One request at a time, like the SDK.

    AIR_API_URL=... AIR_API_TOKEN=... python sdk_retention.py KEEP

Prints one JSON line: {"listed": N, "deleted": N}.
"""

import json
import os
import sys

from air_sdk import AirApi


def main():
    keep = int(sys.argv[1])
    # The SDK wants the host without /api/v3 and adds the version itself.
    root = os.environ["AIR_API_URL"].rstrip("/").removesuffix("/api/v3")
    api = AirApi.with_api_key(api_key=os.environ["AIR_API_TOKEN"], api_url=root)

    listed = deleted = 0
    for simulation in api.simulations.list():
        listing = list(api.checkpoints.list(simulation=simulation.id, state="COMPLETE"))
        listed += len(listing)
        checkpoints = [cp for cp in listing if not cp.favorite]
        checkpoints.sort(key=lambda cp: (cp.created, cp.id), reverse=True)
        for checkpoint in checkpoints[keep:]:
            checkpoint.delete()
            deleted += 1
    print(json.dumps({"listed": listed, "deleted": deleted}))


if __name__ == "__main__":
    main()
