#!/usr/bin/env bash
# The token never appears in any output, log, result or exception, on success and on every
# error path, at -vvvv, with and without --check, with --diff. See check_secrets.py.
set -euo pipefail

"${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}" check_secrets.py "$@"
