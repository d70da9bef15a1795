"""air_checkpoint_info over 100,000 checkpoints as real module runs, and each module's start-up.

    python benchmarks/info_memory.py [--checkpoints 100000] [--repeat 20]

Needs the packages of tests/requirements/bench.txt in the Python that runs it (ansible-core for
ansible-playbook, requests). Starts the Air emulator on 127.0.0.1 with a generated dataset and:

1. Runs air_checkpoint_info's module file directly, the way Ansible executes it (arguments in a
   JSON file, the collection on PYTHONPATH), listing every checkpoint at page_size 1000: wall
   time and peak RSS of that one process (polled from /proc; wait4 ru_maxrss agrees). This is
   the figure the 150 MB target is about.
2. Runs the same listing as a playbook task: wall time of the task and peak RSS summed over the
   whole ansible-playbook process tree (controller, worker and module), for scale.
3. Start-up cost: a playbook loops each module --repeat times over a trivial call (info by one
   id; air_checkpoint setting favorite to the value it already has), so each loop item is one
   module run with one or two GETs; the time per item is the cost of a module run.

With --stages, step 1 runs once more under a probe that prints the module process's memory
(VmRSS, and VmHWM, the peak so far) at each step of ansible-core's exit path: after
AnsibleModule() is built, when exit_json is called (what the module holds), after
remove_values (its copy of the result without no_log values) and after json.dumps (the
output text). The probe wraps those ansible-core functions in the measuring process only.
"""

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "emulator"))
sys.path.insert(0, HERE)

from benchlib import ROOT, load_average, run_measured
from harness import EmulatorProcess
from retention_compare import environment, playbook_command

STARTUP_PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
  tasks:
    - name: air_checkpoint_info by id
      nvair.air.air_checkpoint_info:
        id: {cid}
      loop: "{{{{ range({repeat}) | list }}}}"
    - name: air_checkpoint unchanged favorite
      nvair.air.air_checkpoint:
        id: {cid}
        favorite: {favorite}
      loop: "{{{{ range({repeat}) | list }}}}"
"""

LISTING_PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: air_checkpoint_info over everything
      nvair.air.air_checkpoint_info:
        page_size: 1000
      register: listing
    - name: Count
      ansible.builtin.debug:
        msg: "{{ listing.count }}"
"""


STAGES_PROBE = r"""
import json
import runpy
import sys

from ansible.module_utils import basic

exiting = False


def report(step):
    with open("/proc/self/status", encoding="ascii") as handle:
        fields = dict(line.split(":", 1) for line in handle)
    rss, hwm = (int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))
    sys.stderr.write(f"STAGE\t{step}\t{rss:.1f}\t{hwm:.1f}\n")


def after(owner, name, step, only_when_exiting=True):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        value = original(*args, **kwargs)
        if exiting or not only_when_exiting:
            report(step)
        return value

    setattr(owner, name, wrapper)


def exit_json(self, **kwargs):
    global exiting
    exiting = True
    report("exit_json called")
    original_exit_json(self, **kwargs)


original_exit_json = basic.AnsibleModule.exit_json
basic.AnsibleModule.exit_json = exit_json
after(basic.AnsibleModule, "__init__", "AnsibleModule built", only_when_exiting=False)
after(basic, "remove_values", "after remove_values")
after(json, "dumps", "after json.dumps")
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def print_stages(workdir, module, args_file, env):
    """Run the module under STAGES_PROBE and print its memory at each exit step."""
    probe = os.path.join(workdir, "stages_probe.py")
    with open(probe, "w", encoding="utf-8") as handle:
        handle.write(STAGES_PROBE)
    measured = run_measured([sys.executable, probe, module, args_file], env=env)
    check(measured, "air_checkpoint_info under the stages probe")
    previous = None
    print("  exit path of the module process (MiB): step, RSS, change, peak so far")
    for line in measured.stderr.splitlines():
        if not line.startswith("STAGE\t"):
            continue
        _tag, step, rss, hwm = line.split("\t")
        change = "" if previous is None else f"{float(rss) - previous:+7.1f}"
        print(f"  {step:<22} {float(rss):7.1f} {change:>7} {float(hwm):7.1f}")
        previous = float(rss)
    print(f"  {'process peak':<22} {measured.process_peak_mib:7.1f}")


def timer(env):
    with open(env["BENCH_TIMER_FILE"], encoding="utf-8") as handle:
        return {task["name"]: task for task in json.load(handle)["tasks"]}


def check(measured, what):
    if measured.returncode != 0:
        tail = (measured.stdout + measured.stderr)[-2000:]
        raise SystemExit(f"{what} failed ({measured.returncode}):\n{tail}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", type=int, default=100_000)
    parser.add_argument("--simulations", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--stages", action="store_true", help="also print memory at each step of the exit path"
    )
    args = parser.parse_args()

    print(f"load average before: {load_average()} ({os.cpu_count()} CPUs)")
    workdir = tempfile.mkdtemp(prefix="nvair-info-bench-")
    try:
        with EmulatorProcess(dataset="empty", token=secrets.token_hex(16)) as emu:
            env = environment(emu, workdir)
            emu.load(
                generate={
                    "simulations": args.simulations,
                    "checkpoints": args.checkpoints,
                    "seed": 1,
                }
            )

            # 1. The module process on its own.
            args_file = os.path.join(workdir, "args.json")
            with open(args_file, "w", encoding="utf-8") as handle:
                json.dump({"ANSIBLE_MODULE_ARGS": {"page_size": 1000}}, handle)
            module_env = dict(env, PYTHONPATH=env["ANSIBLE_COLLECTIONS_PATH"])
            module = os.path.join(ROOT, "plugins", "modules", "air_checkpoint_info.py")
            measured = run_measured([sys.executable, module, args_file], env=module_env)
            check(measured, "air_checkpoint_info")
            count = json.loads(measured.stdout)["count"]
            print(
                f"module process alone: {count} checkpoints in {measured.seconds:.1f} s, peak RSS "
                f"{measured.tree_peak_mib:.1f} MiB (ru_maxrss {measured.process_peak_mib:.1f} "
                f"MiB), output {len(measured.stdout) / 1e6:.1f} MB of JSON"
            )
            if args.stages:
                print_stages(workdir, module, args_file, module_env)

            # 2. The same as a playbook task.
            playbook = os.path.join(workdir, "listing.yml")
            with open(playbook, "w", encoding="utf-8") as handle:
                handle.write(LISTING_PLAYBOOK)
            measured = run_measured([playbook_command(), playbook], env=env)
            check(measured, "listing playbook")
            task = timer(env)["air_checkpoint_info over everything"]
            print(
                f"as a playbook task: task {task['seconds']:.1f} s, whole playbook "
                f"{measured.seconds:.1f} s, peak RSS of the process tree "
                f"{measured.tree_peak_mib:.1f} MiB (largest process "
                f"{measured.process_peak_mib:.1f} MiB)"
            )

            # 3. Start-up cost per module run.
            emu.load(generate={"simulations": 2, "checkpoints": 4, "seed": 1})
            first = emu.request("GET", "simulations/runs/checkpoints/").json()["results"][0]
            playbook = os.path.join(workdir, "startup.yml")
            with open(playbook, "w", encoding="utf-8") as handle:
                handle.write(
                    STARTUP_PLAYBOOK.format(
                        cid=first["id"], favorite=str(first["favorite"]).lower(), repeat=args.repeat
                    )
                )
            emu.reset()
            measured = run_measured([playbook_command(), playbook], env=env)
            check(measured, "start-up playbook")
            tasks = timer(env)
            routes = emu.counters()["by_route"]
            for name in ("air_checkpoint_info by id", "air_checkpoint unchanged favorite"):
                task = tasks[name]
                print(
                    f"one module run, {name}: {task['seconds'] / task['runs'] * 1000:.0f} ms "
                    f"({task['runs']} runs in {task['seconds']:.1f} s)"
                )
            print(f"requests of the start-up runs: {routes}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average after: {load_average()}")
    print("reproduce with: python benchmarks/info_memory.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
