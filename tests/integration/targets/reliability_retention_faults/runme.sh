#!/usr/bin/env bash
# The retention role under API faults, an emulator restart and concurrent changes: every run
# ends correctly or fails clearly, and a re-run converges to exactly the intended survivors.
set -euo pipefail

"${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}" check_faults.py "$@"
