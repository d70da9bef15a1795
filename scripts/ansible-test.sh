#!/usr/bin/env bash
# Run ansible-test against this collection with a chosen ansible-core, no Docker needed.
#
#   scripts/ansible-test.sh [--core 2.16|2.21] SUBCOMMAND [ARGS...]
#   scripts/ansible-test.sh --core 2.16 units -v
#   scripts/ansible-test.sh --core 2.21 sanity --test validate-modules
#   scripts/ansible-test.sh integration air_checkpoint_info -v
#
# It builds (or reuses) .venvs/ansible-<core> from tests/requirements/ansible-<core>.txt, copies
# the collection into a temporary ansible_collections/nvair/air/ tree, and runs ansible-test
# there with --local --python <the venv's Python> unless ARGS choose the environment already.
# `integration` without NVAIR_INTEGRATION_CONFIG runs under tests/integration/run-with-emulator.sh,
# which starts the Air emulator and writes integration_config.yml for the targets.
# ansible-test's results are copied back to tests/output/ansible-<core>/.
# NVAIR_KEEP_TREE=1 keeps the temporary tree and prints where it is.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

core="${NVAIR_ANSIBLE_CORE:-2.21}"
if [[ "${1:-}" == "--core" ]]; then
    [[ $# -ge 2 ]] || die "--core needs a version, e.g. --core 2.16"
    core="$2"
    shift 2
elif [[ "${1:-}" == --core=* ]]; then
    core="${1#--core=}"
    shift
fi
[[ $# -ge 1 ]] || die "usage: scripts/ansible-test.sh [--core 2.16|2.21] SUBCOMMAND [ARGS...]"

requirements="$REQUIREMENTS_DIR/ansible-$core.txt"
[[ -f "$requirements" ]] ||
    die "ansible-core $core is not set up: tests/requirements/ansible-$core.txt does not exist"
pyver="$(python_for_core "$core")" || die "no known Python version for ansible-core $core"

subcommand="$1"

if [[ "$subcommand" == "integration" && -z "${NVAIR_INTEGRATION_CONFIG:-}" ]]; then
    exec "$REPO_ROOT/tests/integration/run-with-emulator.sh" --core "$core" "${@:2}"
fi

venv="$(ensure_venv "ansible-$core" "$pyver" "$requirements")"
ensure_get_pip_standin "$venv"

# Add the environment flags only when the caller chose none.
args=("$@")
choose_environment=1
for arg in "${args[@]}"; do
    case "$arg" in
        --local | --venv | --docker* | --remote* | --controller* | --target* | --python | --python=*)
            choose_environment=0
            ;;
    esac
done
if ((choose_environment)); then
    case "$subcommand" in
        sanity | units | integration | coverage) args+=(--local --python "$pyver") ;;
    esac
fi

workdir="$(mktemp -d "${TMPDIR:-/tmp}/nvair-ansible-test.XXXXXX")"
# shellcheck disable=SC2317,SC2329  # runs from the EXIT trap
cleanup() {
    if [[ "${NVAIR_KEEP_TREE:-0}" == "1" ]]; then
        log "Kept the ansible-test tree: $workdir"
    else
        rm -rf "$workdir"
    fi
}
trap cleanup EXIT

collection="$(sync_collection "$workdir")"
if [[ "$subcommand" == "integration" ]]; then
    cp "$NVAIR_INTEGRATION_CONFIG" "$collection/tests/integration/integration_config.yml"
fi

status=0
(
    cd "$collection"
    export PATH="$venv/bin:$PATH"
    # A collection installed elsewhere must not shadow the copy under test.
    unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
    exec "$venv/bin/ansible-test" "${args[@]}"
) || status=$?

# Best effort: the results are for reading, and a parallel run may be copying the same path.
if [[ -d "$collection/tests/output" ]]; then
    {
        rm -rf "$REPO_ROOT/tests/output/ansible-$core" &&
            mkdir -p "$REPO_ROOT/tests/output" &&
            cp -r "$collection/tests/output" "$REPO_ROOT/tests/output/ansible-$core"
    } 2>/dev/null || log "Could not copy ansible-test's results to tests/output/ansible-$core"
fi
exit "$status"
