# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process and capture its exact exit_json/fail_json payload."""

from __future__ import annotations

import contextlib
import json
from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    # ansible-core 2.19 and later: args also need a serialization profile.
    from ansible.module_utils.testing import patch_module_args
except ImportError:
    patch_module_args = None


class ModuleExit(Exception):
    """Raised instead of exit_json; .result is the payload."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


class ModuleFail(Exception):
    """Raised instead of fail_json; .result is the payload (msg included)."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


@contextlib.contextmanager
def module_args(args):
    """Expose args to AnsibleModule on ansible-core 2.16 through 2.21."""
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    payload = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    with mock.patch.object(basic, "_ANSIBLE_ARGS", payload):
        yield


def _exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    raise ModuleExit(kwargs)


def _fail_json(self, msg, **kwargs):
    kwargs["failed"] = True
    kwargs["msg"] = msg
    raise ModuleFail(kwargs)


def run_module(main, args):
    """Run main() with args; return ("exit"|"fail", payload, warnings)."""
    warnings = []
    with (
        module_args(args),
        mock.patch.object(basic.AnsibleModule, "exit_json", _exit_json),
        mock.patch.object(basic.AnsibleModule, "fail_json", _fail_json),
        mock.patch.object(basic.AnsibleModule, "warn", lambda self, w: warnings.append(w)),
        mock.patch.object(basic.AnsibleModule, "log", lambda self, msg, log_args=None: None),
    ):
        try:
            main()
        except ModuleExit as done:
            return "exit", done.result, warnings
        except ModuleFail as failed:
            return "fail", failed.result, warnings
    raise AssertionError("the module returned without calling exit_json or fail_json")
