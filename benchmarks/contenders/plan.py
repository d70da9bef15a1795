"""Retention keep N for the non-collection contenders: newest N non-favorite COMPLETE
checkpoints of each simulation are kept, favorites are always kept, the rest is deleted.

The same rule as the collection's retention_plan with its defaults (favorites do not count
toward keep; ties on `created` go to the larger id, like the API's ordering).
"""

from datetime import datetime


def created_at(checkpoint):
    return datetime.fromisoformat(checkpoint["created"].replace("Z", "+00:00"))


def doomed(checkpoints, simulation_of, keep):
    """Ids to delete; `checkpoints` are dicts with id, run, created, favorite, state."""
    groups = {}
    for checkpoint in checkpoints:
        if checkpoint["state"] != "COMPLETE" or checkpoint["favorite"]:
            continue
        groups.setdefault(simulation_of(checkpoint["run"]), []).append(checkpoint)
    ids = []
    for members in groups.values():
        members.sort(key=lambda c: (created_at(c), c["id"]), reverse=True)
        ids.extend(c["id"] for c in members[keep:])
    return ids
