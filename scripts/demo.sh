#!/usr/bin/env bash
# The demo: the retention playbook against the local Air emulator, dry run first, then for real.
#
#   scripts/demo.sh
#
# 1. creates .venv (or reuses it) with the pins in scripts/requirements-demo.txt,
# 2. installs this collection into .demo/collections,
# 3. starts tests/emulator/air_emulator.py on 127.0.0.1 with the demo data and a random token,
# 4. runs `ansible-playbook nvair.air.retention --check`, then without --check (keep 3),
# 5. prints a per-simulation summary with totals from the JSON report,
# 6. stops the emulator, whatever happened.
#
# Needs Python 3.11 or newer as python3 (or NVAIR_DEMO_PYTHON) and access to PyPI on the first
# run. Running it again reuses the venv and starts from fresh demo data.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
DEMO_DIR="$REPO_ROOT/.demo"
REQUIREMENTS="$REPO_ROOT/scripts/requirements-demo.txt"
KEEP="${NVAIR_DEMO_KEEP:-3}"

log() { printf '\n==> %s\n' "$*"; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# -- 1. virtual environment -------------------------------------------------------------------
python="${NVAIR_DEMO_PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "$python not found; install Python 3.11 or newer"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "ansible-core 2.19 needs Python 3.11 or newer; $python is $("$python" -V 2>&1)"

stamp="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$VENV/.demo-stamp" && "$(cat "$VENV/.demo-stamp")" == "$stamp" ]] &&
    "$VENV/bin/python" -c 'import ansible, requests, jmespath' 2>/dev/null; then
    log "Reusing $VENV"
else
    log "Creating $VENV with $(basename "$REQUIREMENTS")"
    [[ -x "$VENV/bin/python" ]] || "$python" -m venv "$VENV" ||
        die "could not create a venv; on Debian or Ubuntu install python3-venv"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    echo "$stamp" >"$VENV/.demo-stamp"
fi
export PATH="$VENV/bin:$PATH"

# -- 2. the collection ------------------------------------------------------------------------
log "Installing nvair.air from this checkout into .demo/collections"
mkdir -p "$DEMO_DIR"
rm -rf "$DEMO_DIR/build" "$DEMO_DIR/report-check" "$DEMO_DIR/report"
export ANSIBLE_COLLECTIONS_PATH="$DEMO_DIR/collections"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
ansible-galaxy collection build --force --output-path "$DEMO_DIR/build" "$REPO_ROOT" >/dev/null
ansible-galaxy collection install --force -p "$DEMO_DIR/collections" \
    "$DEMO_DIR"/build/nvair-air-*.tar.gz >/dev/null

# -- 3. the emulator --------------------------------------------------------------------------
emulator_pid=""
stop_emulator() {
    if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
        echo "Emulator stopped."
    fi
}
trap stop_emulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The token lives only in the environment of this shell and of the emulator, never in a
# process's argument list.
AIR_API_TOKEN="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))')"
log "Starting the Air emulator with the demo data"
AIR_EMULATOR_TOKEN="$AIR_API_TOKEN" "$VENV/bin/python" "$REPO_ROOT/tests/emulator/air_emulator.py" \
    --host 127.0.0.1 --port 0 --dataset demo >"$DEMO_DIR/emulator.out" 2>"$DEMO_DIR/emulator.err" &
emulator_pid=$!

AIR_API_URL=""
for _ in $(seq 1 300); do
    AIR_API_URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*/api/v[0-9]*$' "$DEMO_DIR/emulator.out" | head -n1 || true)"
    [[ -n "$AIR_API_URL" ]] && break
    kill -0 "$emulator_pid" 2>/dev/null || {
        cat "$DEMO_DIR/emulator.err" >&2
        die "the emulator exited before it was ready"
    }
    sleep 0.1
done
[[ -n "$AIR_API_URL" ]] || die "the emulator did not report its URL within 30 s"
export AIR_API_URL AIR_API_TOKEN
echo "Air emulator at $AIR_API_URL (token in AIR_API_TOKEN, not shown)"

# -- 4. the playbook, dry run then for real ---------------------------------------------------
# max_deletions is raised because the demo data holds years of checkpoints; the default of 100
# is what protects a first real run.
playbook_args=(
    -e "checkpoint_retention_keep=$KEEP"
    -e checkpoint_retention_max_deletions=10000
)

log "ansible-playbook nvair.air.retention --check (shows the plan, deletes nothing)"
ansible-playbook nvair.air.retention --check "${playbook_args[@]}" \
    -e "checkpoint_retention_report_dir=$DEMO_DIR/report-check"

log "ansible-playbook nvair.air.retention (applies the plan)"
ansible-playbook nvair.air.retention "${playbook_args[@]}" \
    -e "checkpoint_retention_report_dir=$DEMO_DIR/report"

# -- 5. summary -------------------------------------------------------------------------------
log "Summary"
"$VENV/bin/python" "$REPO_ROOT/scripts/demo_summary.py" "$DEMO_DIR/report/checkpoint-retention.json"
echo
echo "Reports: $DEMO_DIR/report/checkpoint-retention.md and .json (the dry run's in $DEMO_DIR/report-check)"
