#!/usr/bin/env bash
# Build the collection tarball, check what it contains, install it into an empty collections
# path and run the retention playbook from the installed copy against the Air emulator.
#
#   tests/ecosystem/build-install.sh
#
# 1. `ansible-galaxy collection build` into a private temporary directory;
# 2. its member list holds no caches, virtual environments, .ansible, .git or tests/output,
#    and does hold the modules, roles, playbooks and metadata a user needs;
# 3. `ansible-galaxy collection install --offline` into an empty path, the only one Ansible
#    searches, so nothing from this checkout can stand in for the installed copy;
# 4. `ansible-playbook nvair.air.retention` in check mode, then for real, then in check mode
#    again, against the emulator with the demo data; the JSON reports must show a plan, no
#    deletions in check mode, every planned deletion done, and nothing left to delete.
# The emulator is stopped and the directory removed whatever happens.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
# shellcheck source=scripts/lib/emulator.sh
source "$REPO_ROOT/scripts/lib/emulator.sh"
# shellcheck source=tests/ecosystem/lib.sh
source "$REPO_ROOT/tests/ecosystem/lib.sh"

VENV="$(ensure_venv tools 3.13 "$REQUIREMENTS_DIR/tools.txt")"
use_private_workdir nvair-build-install

# The checker itself must catch what it is there for.
planted="$(printf '%s\n' plugins/modules/__pycache__/x.pyc .venvs/tools/bin/python \
    tests/output/junit.xml .ansible/collections ./.git/HEAD plugins/modules/air_checkpoint.py |
    forbidden_members | wc -l)"
((planted == 5)) || die "the tarball member check missed planted paths ($planted of 5 found)"

# -- build ---------------------------------------------------------------------------------
present=()
for path in .venvs .venv .ansible .git .demo .pytest_cache .ruff_cache tests/output; do
    [[ -e "$REPO_ROOT/$path" ]] && present+=("$path")
done
[[ -n "$(find "$REPO_ROOT" -name __pycache__ -not -path '*/.venv*' -print -quit)" ]] &&
    present+=(__pycache__)
echo "Source tree holds: ${present[*]:-none of the excluded paths}"

tarball="$(build_collection "$VENV" "$workdir/build")"
echo "Built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

tar -tzf "$tarball" | sed 's|^\./||' >"$workdir/members.txt"
echo "$(wc -l <"$workdir/members.txt") members"
bad="$(forbidden_members <"$workdir/members.txt")"
if [[ -n "$bad" ]]; then
    log "The tarball holds paths it must not (fix build_ignore in galaxy.yml):"
    printf '%s\n' "$bad" | head -n 40 >&2
    exit 1
fi
for required in MANIFEST.json FILES.json README.md requirements.txt meta/runtime.yml \
    meta/execution-environment.yml plugins/modules/air_checkpoint.py \
    plugins/modules/air_checkpoint_info.py roles/checkpoint_retention/tasks/main.yml \
    roles/checkpoint_retention/meta/argument_specs.yml playbooks/retention.yml \
    playbooks/cleanup.yml; do
    grep -qxF -- "$required" "$workdir/members.txt" ||
        die "the tarball lacks $required"
done
echo "Members: no caches, virtual environments, .ansible, .git or tests/output; all required files present"

# -- install -------------------------------------------------------------------------------
isolated_ansible_env "$workdir/collections" "$workdir"
install_collection "$VENV" "$tarball" "$workdir/collections"
cd "$workdir"
listed="$("$VENV/bin/ansible-galaxy" collection list nvair.air -p "$workdir/collections" 2>/dev/null || true)"
grep -q '^nvair\.air ' <<<"$listed" || die "nvair.air is not listed in the clean collections path"
"$VENV/bin/ansible-doc" nvair.air.air_checkpoint >/dev/null ||
    die "ansible-doc cannot read nvair.air.air_checkpoint from the installed collection"
echo "Installed into a clean collections path; ansible-doc reads it"

# -- run from the installed collection -------------------------------------------------------
start_emulator "$VENV/bin/python" "$workdir"
export AIR_API_URL="$EMULATOR_API_URL" AIR_API_TOKEN="$EMULATOR_TOKEN"
echo "Air emulator at $AIR_API_URL (token not shown)"

run_retention() { # run_retention REPORT_NAME [ansible-playbook ARGS...]
    local name="$1"
    shift
    "$VENV/bin/ansible-playbook" nvair.air.retention "$@" \
        -e checkpoint_retention_keep=3 -e checkpoint_retention_max_deletions=10000 \
        -e "checkpoint_retention_report_dir=$workdir/$name" >"$workdir/$name.log" 2>&1 || {
        cat "$workdir/$name.log"
        log "ansible-playbook nvair.air.retention $* failed"
        return 1
    }
    tail -n 3 "$workdir/$name.log"
}

echo "ansible-playbook nvair.air.retention --check"
run_retention plan --check
report_check "$workdir/plan/checkpoint-retention.json" true

echo "ansible-playbook nvair.air.retention"
run_retention apply
report_check "$workdir/apply/checkpoint-retention.json" false

echo "ansible-playbook nvair.air.retention --check (after applying: nothing left to delete)"
run_retention again --check
"$VENV/bin/python" -c 'import json, sys
plan = json.load(open(sys.argv[1]))["plan"]
sys.exit(f"a second run still plans {plan['"'"'totals'"'"']['"'"'delete'"'"']} deletion(s)" if plan["totals"]["delete"] else 0)' \
    "$workdir/again/checkpoint-retention.json"

if grep -rqF -- "$EMULATOR_TOKEN" "$workdir"/plan* "$workdir"/apply* "$workdir"/again*; then
    die "the API token appears in the playbook output or reports"
fi
echo "Installed collection ran the retention playbook: plan, apply, idempotent re-run"
