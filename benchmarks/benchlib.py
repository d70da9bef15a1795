"""Shared helpers for the benchmarks: run a command while sampling its memory, load datasets.

Peak memory of a contender is measured by polling /proc every 20 ms and summing the resident
set size (VmRSS) of the contender's whole process tree (ansible-playbook forks workers and
module processes). The largest single process's peak, from wait4's ru_maxrss, is reported as
well. Standard library only; Linux only.
"""

import os
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EMULATOR_DIR = os.path.join(ROOT, "tests", "emulator")


def _children():
    """{parent pid: [child pids]} from /proc/*/stat."""
    tree = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields follow the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(name))
    return tree


def _rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(root_pid):
    tree = _children()
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += _rss_kib(pid)
        todo.extend(tree.get(pid, ()))
    return total / 1024


class Measured:
    def __init__(self, seconds, returncode, tree_peak_mib, process_peak_mib, stdout, stderr):
        self.seconds = seconds
        self.returncode = returncode
        self.tree_peak_mib = tree_peak_mib
        self.process_peak_mib = process_peak_mib
        self.stdout = stdout
        self.stderr = stderr


def run_measured(args, env=None, cwd=None, interval=0.02):
    """Run a command to completion; wall time, exit code, peak memory and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    chunks = {"out": [], "err": []}
    readers = [
        threading.Thread(target=lambda: chunks["out"].append(process.stdout.read())),
        threading.Thread(target=lambda: chunks["err"].append(process.stderr.read())),
    ]
    for reader in readers:
        reader.start()

    peak = 0.0
    status = rusage = None
    while status is None:
        peak = max(peak, tree_rss_mib(process.pid))
        pid, status_code, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            status, rusage = status_code, usage
            break
        time.sleep(interval)
    seconds = time.perf_counter() - started
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        seconds,
        process.returncode,
        peak,
        rusage.ru_maxrss / 1024,
        b"".join(chunks["out"]).decode("utf-8", "replace"),
        b"".join(chunks["err"]).decode("utf-8", "replace"),
    )


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
