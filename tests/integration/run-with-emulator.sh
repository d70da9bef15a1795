#!/usr/bin/env bash
# Run ansible-test integration against a freshly started Air emulator.
#
#   tests/integration/run-with-emulator.sh [--core 2.16|2.21] [ansible-test integration ARGS...]
#
# Starts tests/emulator/air_emulator.py on 127.0.0.1 with a random token and the demo data set,
# writes integration_config.yml for the targets (air_api_url, air_api_token, air_emulator_url),
# runs scripts/ansible-test.sh integration, and stops the emulator whatever happens.
# scripts/ansible-test.sh calls this for `integration`, so either entry point works.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

core="${NVAIR_ANSIBLE_CORE:-2.21}"
if [[ "${1:-}" == "--core" ]]; then
    [[ $# -ge 2 ]] || die "--core needs a version, e.g. --core 2.16"
    core="$2"
    shift 2
fi

emulator="$REPO_ROOT/tests/emulator/air_emulator.py"
[[ -f "$emulator" ]] || die "the Air emulator is missing: ${emulator#"$REPO_ROOT"/}"
pyver="$(python_for_core "$core")" || die "no known Python version for ansible-core $core"
venv="$(ensure_venv "ansible-$core" "$pyver" "$REQUIREMENTS_DIR/ansible-$core.txt")"

workdir="$(mktemp -d "${TMPDIR:-/tmp}/nvair-emulator.XXXXXX")"
emulator_pid=""
# shellcheck disable=SC2317,SC2329  # runs from the EXIT trap
stop_emulator() {
    if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap stop_emulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The token only ever lives in this process's memory, the emulator's environment and the
# config file in the private temporary directory; nothing prints it.
token="$("$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))')"

AIR_EMULATOR_TOKEN="$token" "$venv/bin/python" "$emulator" --host 127.0.0.1 --port 0 \
    --dataset demo --complete-after 1 >"$workdir/emulator.out" 2>"$workdir/emulator.err" &
emulator_pid=$!

# The emulator prints one line ending in its base URL once it accepts connections.
api_url=""
for _ in $(seq 1 300); do
    api_url="$(grep -o 'http://127\.0\.0\.1:[0-9]*/api/v[0-9]*$' "$workdir/emulator.out" | head -n1 || true)"
    [[ -n "$api_url" ]] && break
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        log "The emulator exited before it was ready. Its output:"
        cat "$workdir/emulator.out" "$workdir/emulator.err" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$api_url" ]]; then
    log "The emulator did not report its URL within 30 s. Its output:"
    cat "$workdir/emulator.out" "$workdir/emulator.err" >&2
    exit 1
fi
emulator_url="${api_url%/api/v*}"
log "Air emulator ready at $emulator_url (demo data set)"

umask 077
cat >"$workdir/integration_config.yml" <<EOF
---
air_api_url: "$api_url"
air_api_token: "$token"
air_emulator_url: "$emulator_url"
EOF

status=0
NVAIR_INTEGRATION_CONFIG="$workdir/integration_config.yml" \
    "$REPO_ROOT/scripts/ansible-test.sh" --core "$core" integration "$@" || status=$?

if ((status != 0)) && [[ -s "$workdir/emulator.err" ]]; then
    log "Last lines the emulator wrote to stderr:"
    tail -n 40 "$workdir/emulator.err" >&2
fi
exit "$status"
