# shellcheck shell=bash
# Shared by the ecosystem checks in this directory (sourced after scripts/lib/common.sh).

# Paths that must never ship in the collection tarball: tool caches, virtual environments,
# ansible-test output, VCS data, local demo state and build leftovers.
FORBIDDEN_MEMBERS='(^|/)(__pycache__|\.pytest_cache|\.ruff_cache|\.mypy_cache|\.hypothesis|\.tox|\.venv[^/]*|\.ansible|\.git|\.demo|\.cache|\.ci)(/|$)|^tests/output(/|$)|\.py[co]$|\.tar\.gz$|(^|/)integration_config\.yml$'

# forbidden_members: reads tarball member names on stdin, prints the forbidden ones.
forbidden_members() {
    sed 's|^\./||' | grep -E "$FORBIDDEN_MEMBERS" || true
}

# build_collection VENV OUTPUT_DIR -> prints the tarball's path.
build_collection() {
    local venv="$1" output="$2" tarball
    mkdir -p "$output"
    "$venv/bin/ansible-galaxy" collection build --force --output-path "$output" "$REPO_ROOT" >&2 ||
        return 1
    tarball="$(find "$output" -maxdepth 1 -name 'nvair-air-*.tar.gz' -print -quit)"
    [[ -n "$tarball" ]] || {
        log "ansible-galaxy collection build wrote no nvair-air-*.tar.gz into $output"
        return 1
    }
    echo "$tarball"
}

# install_collection VENV TARBALL COLLECTIONS_DIR: install offline into an empty path.
install_collection() {
    "$1/bin/ansible-galaxy" collection install --offline --force -p "$3" "$2" >&2
}

# isolated_ansible_env COLLECTIONS_DIR WORKDIR: only the installed copy of nvair.air is visible, never
# this checkout or a collection in the Python environment.
isolated_ansible_env() {
    export ANSIBLE_COLLECTIONS_PATH="$1"
    export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
    export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
    export ANSIBLE_NOCOLOR=true ANSIBLE_FORCE_COLOR=false
    export ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
    export ANSIBLE_LOCAL_TEMP="$2/ansible-tmp" ANSIBLE_HOME="$2/ansible-home"
}

# private_workdir PREFIX -> a new 0700 directory under TMPDIR.
private_workdir() {
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")" || return 1
    chmod 700 "$dir"
    echo "$dir"
}

# use_private_workdir PREFIX: sets workdir to a new private directory, and traps so that on any
# exit the emulator (scripts/lib/emulator.sh) is stopped and the directory removed. Call it
# directly, not in $(...): the traps and the variable belong to the calling script.
use_private_workdir() {
    # shellcheck disable=SC2034  # used by the scripts that call this function
    workdir="$(private_workdir "$1")" || return 1
    trap 'stop_emulator; rm -rf "$workdir"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# report_check REPORT_JSON CHECK_MODE: the retention report says the run went as expected.
# CHECK_MODE=true: a plan with deletions and no outcome; false: every planned deletion done.
report_check() {
    # shellcheck disable=SC2153  # VENV is set by the script that sources this file
    "$VENV/bin/python" - "$1" "$2" <<'PYEOF'
import json
import sys

path, check_mode = sys.argv[1], sys.argv[2] == "true"
with open(path, encoding="utf-8") as handle:
    report = json.load(handle)

planned = report["plan"]["totals"]["delete"]
outcome = report.get("outcome") or {}
problems = []
if report["check_mode"] is not check_mode:
    problems.append(f"check_mode is {report['check_mode']}, expected {check_mode}")
if planned == 0:
    problems.append("the plan deletes nothing; the demo data always has checkpoints to delete")
if check_mode and outcome:
    problems.append(f"a check-mode run has an outcome: {outcome}")
if not check_mode and (outcome.get("changed") != planned or outcome.get("failed") != 0):
    problems.append(f"planned {planned} deletions, outcome {outcome}")

for problem in problems:
    print(f"report {path}: {problem}", file=sys.stderr)
kind = "check mode" if check_mode else "applied"
print(f"report ({kind}): {planned} deletion(s) planned, outcome {outcome or 'none'}")
sys.exit(1 if problems else 0)
PYEOF
}
