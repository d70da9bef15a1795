# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: per-task wall time and module runs, written as JSON.

Enabled by benchmarks/retention_compare.py through ANSIBLE_CALLBACK_PLUGINS and
ANSIBLE_CALLBACKS_ENABLED=bench_timer; the output file is $BENCH_TIMER_FILE.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timer
type: aggregate
short_description: per-task wall time and module runs for the benchmarks
description: Writes one JSON document to the file named by BENCH_TIMER_FILE.
"""

# Actions that run inside the controller process without shipping a module.
CONTROLLER_ACTIONS = {
    "ansible.builtin.set_fact",
    "ansible.builtin.debug",
    "ansible.builtin.assert",
    "ansible.builtin.include_tasks",
    "ansible.builtin.include_role",
    "ansible.builtin.meta",
    "ansible.builtin.validate_argument_spec",
    "validate_argument_spec",
    "set_fact",
    "debug",
    "assert",
    "include_tasks",
    "meta",
}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks = []
        self.started = time.perf_counter()

    def _close_task(self):
        if self.tasks and self.tasks[-1]["seconds"] is None:
            self.tasks[-1]["seconds"] = time.perf_counter() - self.tasks[-1]["start"]

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close_task()
        self.tasks.append(
            {
                "name": task.get_name(),
                "action": task.action,
                "start": time.perf_counter(),
                "seconds": None,
                "runs": 0,
            }
        )

    def _count(self, result):
        if self.tasks and self.tasks[-1]["action"] not in CONTROLLER_ACTIONS:
            self.tasks[-1]["runs"] += 1

    # A loop reports every item and then the whole; only the items are module runs.
    def v2_runner_on_ok(self, result):
        if not result._task.loop:
            self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not result._task.loop:
            self._count(result)

    def v2_runner_item_on_ok(self, result):
        self._count(result)

    def v2_runner_item_on_failed(self, result):
        self._count(result)

    def v2_playbook_on_stats(self, stats):
        self._close_task()
        tasks = [
            {key: task[key] for key in ("name", "action", "seconds", "runs")} for task in self.tasks
        ]
        with open(os.environ["BENCH_TIMER_FILE"], "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "seconds": time.perf_counter() - self.started,
                    "module_runs": sum(task["runs"] for task in tasks),
                    "tasks": tasks,
                },
                handle,
            )
