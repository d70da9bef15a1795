#!/usr/bin/env bash
# Run the retention playbook the way AWX and Automation Controller do: `ansible-runner run` on
# a private data directory holding a project, an inventory and env/ files, with the collection
# installed from its tarball and the credential injected as environment variables.
#
#   tests/ecosystem/runner.sh
#
# The private data directory mirrors what AWX writes for a job: project/retention.yml (a
# playbook that imports nvair.air.retention), inventory/hosts, env/envvars, env/extravars with
# the job template's variables, env/settings. It lives in a 0700 temporary directory, its
# files are 0600, and it is removed at the end. Two jobs run:
#
# 1. check mode, with AIR_API_URL and AIR_API_TOKEN in env/envvars, as the custom credential
#    type in docs/awx.md injects them. ansible-runner records a job's whole environment in
#    artifacts/<ident>/command, so the token may appear there (a 0600 file in the private
#    directory, which AWX deletes after the job) and nowhere else: not in stdout, stderr or
#    any job event.
# 2. for real, with the token as the role variable checkpoint_retention_api_token in
#    env/extravars (a credential type's extra_vars injector): the token must appear in no
#    artifact at all, and every planned deletion must be done.
#
# Nothing from a run is printed before its artifacts have been searched for the token.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
# shellcheck source=scripts/lib/emulator.sh
source "$REPO_ROOT/scripts/lib/emulator.sh"
# shellcheck source=tests/ecosystem/lib.sh
source "$REPO_ROOT/tests/ecosystem/lib.sh"

VENV="$(ensure_venv tools 3.13 "$REQUIREMENTS_DIR/tools.txt")"
use_private_workdir nvair-runner
umask 077

# AWX installs a project's collections into a path of its own; here, the built tarball.
tarball="$(build_collection "$VENV" "$workdir/build")"
isolated_ansible_env "$workdir/collections" "$workdir"
install_collection "$VENV" "$tarball" "$workdir/collections" >/dev/null 2>&1 ||
    die "ansible-galaxy collection install $(basename "$tarball") failed"

start_emulator "$VENV/bin/python" "$workdir"
echo "Air emulator at $EMULATOR_API_URL (token not shown)"

# -- the private data directory ---------------------------------------------------------------
pdd="$workdir/runner"
mkdir -p "$pdd/project" "$pdd/inventory" "$pdd/env"
cat >"$pdd/project/retention.yml" <<'YAML'
---
# A project playbook as an AWX job template would name it.
- name: Nightly checkpoint retention
  ansible.builtin.import_playbook: nvair.air.retention
YAML
cat >"$pdd/inventory/hosts" <<'INI'
localhost ansible_connection=local
INI
cat >"$pdd/env/settings" <<'YAML'
---
job_timeout: 600
YAML

# write_env TOKEN_IN_ENV: env/envvars and env/extravars for one job, 0600 (umask 077).
# ansible-runner keeps a job's --cmdline in env/cmdline, which the next job would inherit.
write_env() {
    rm -f "$pdd/env/cmdline"
    {
        echo "---"
        echo "AIR_API_URL: \"$EMULATOR_API_URL\""
        [[ "$1" == true ]] && echo "AIR_API_TOKEN: \"$EMULATOR_TOKEN\""
        echo "ANSIBLE_COLLECTIONS_PATH: \"$workdir/collections\""
        echo "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH: \"false\""
        echo "ANSIBLE_NOCOLOR: \"true\""
    } >"$pdd/env/envvars"
    {
        echo "---"
        echo "checkpoint_retention_keep: 3"
        echo "checkpoint_retention_max_deletions: 10000"
        echo "checkpoint_retention_report_dir: \"$workdir/report-$ident\""
        [[ "$1" == true ]] || echo "checkpoint_retention_api_token: \"$EMULATOR_TOKEN\""
    } >"$pdd/env/extravars"
}

# run_job IDENT TOKEN_IN_ENV [ansible-playbook OPTIONS]: one job; checks it succeeded and where
# the token went. Prints the job's last lines only after that check.
run_job() {
    local ident="$1" token_in_env="$2" cmdline="${3:-}" status=0 artifacts leaks allowed
    local -a cmdline_args=()
    [[ -n "$cmdline" ]] && cmdline_args=("--cmdline=$cmdline")
    write_env "$token_in_env"

    echo "ansible-runner run <private data dir> -p retention.yml --ident $ident${cmdline:+ --cmdline=$cmdline}"
    (
        cd "$workdir"
        PATH="$VENV/bin:$PATH" "$VENV/bin/ansible-runner" run "$pdd" -p retention.yml \
            --ident "$ident" --quiet "${cmdline_args[@]}"
    ) >"$workdir/runner-$ident.out" 2>&1 || status=$?

    artifacts="$pdd/artifacts/$ident"
    if [[ ! -d "$artifacts" ]]; then
        grep -qF -- "$EMULATOR_TOKEN" "$workdir/runner-$ident.out" || cat "$workdir/runner-$ident.out"
        die "ansible-runner wrote no artifacts for $ident (status $status)"
    fi

    allowed=""
    [[ "$token_in_env" == true ]] && allowed="$artifacts/command"
    leaks="$(grep -rlF -- "$EMULATOR_TOKEN" "$artifacts" "$workdir/runner-$ident.out" \
        "$workdir/report-$ident" 2>/dev/null | grep -vxF -- "${allowed:-/nonexistent}" || true)"
    if [[ -n "$leaks" ]]; then
        log "The API token appears in these files of job $ident (contents not shown):"
        printf '%s\n' "${leaks//$workdir/<workdir>}" >&2
        return 1
    fi
    if [[ -n "$allowed" ]]; then
        # The search above is only worth something if it finds the token where it is known to be.
        grep -qF -- "$EMULATOR_TOKEN" "$allowed" ||
            die "the token search did not find the token in artifacts/$ident/command"
        [[ "$(stat -c %a "$allowed")" == 600 ]] ||
            die "artifacts/$ident/command holds the job environment but is not mode 0600"
    fi
    echo "Token absent from job $ident's output and artifacts ($(find "$artifacts" -type f | wc -l) files${allowed:+; apart from the 0600 environment record artifacts/$ident/command})"

    grep -E '^(PLAY RECAP|localhost)' "$artifacts/stdout" || true
    local runner_status runner_rc events
    runner_status="$(cat "$artifacts/status" 2>/dev/null || echo missing)"
    runner_rc="$(cat "$artifacts/rc" 2>/dev/null || echo missing)"
    events="$(find "$artifacts/job_events" -name '*.json' | wc -l)"
    echo "ansible-runner: status $runner_status, rc $runner_rc, $events job events"
    if ((status != 0)) || [[ "$runner_status" != successful || "$runner_rc" != 0 ]]; then
        cat "$artifacts/stdout"
        die "the runner job $ident did not succeed"
    fi
    ((events > 0)) || die "ansible-runner recorded no job events for $ident"
}

# -- the jobs ---------------------------------------------------------------------------------
run_job plan-env-credential true --check
report_check "$workdir/report-plan-env-credential/checkpoint-retention.json" true

run_job apply-extravars false
report_check "$workdir/report-apply-extravars/checkpoint-retention.json" false
echo "ansible-runner ran nvair.air.retention from a project directory, as AWX does"
