"""The emulator harness (tests/emulator/harness.py) for the script targets, wherever they run.

ansible-test runs a script target from a copy under tests/output/.tmp/, so no fixed path from
the script leads to tests/emulator; the nearest one above the working directory does. A target
that runs against an installed collection finds the collection's copy on
ANSIBLE_COLLECTIONS_PATH instead. A target lists needs/target/setup_emulator_harness in its
aliases, puts this directory on sys.path and imports EmulatorProcess from here.
"""

from __future__ import annotations

import os
import sys


def harness_dir():
    here = os.path.abspath(os.getcwd())
    while True:
        path = os.path.join(here, "tests", "emulator")
        if os.path.isfile(os.path.join(path, "harness.py")):
            return path
        if os.path.dirname(here) == here:
            break
        here = os.path.dirname(here)
    for directory in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep):
        path = os.path.join(directory, "ansible_collections", "nvair", "air", "tests", "emulator")
        if directory and os.path.isfile(os.path.join(path, "harness.py")):
            return path
    raise SystemExit("FAIL: cannot find tests/emulator/harness.py")


sys.path.insert(0, harness_dir())
from harness import EmulatorProcess  # pylint: disable=wrong-import-position

__all__ = ["EmulatorProcess"]
