# shellcheck shell=bash
# Start and stop the Air emulator for the ecosystem checks (sourced after common.sh).
#
#   start_emulator PYTHON WORKDIR [EMULATOR ARGS...]
#       starts tests/emulator/air_emulator.py on 127.0.0.1 with a random token and the demo
#       data; sets EMULATOR_PID, EMULATOR_API_URL and EMULATOR_TOKEN. The caller installs
#       `trap stop_emulator EXIT` first, so the emulator stops whatever happens.
#   stop_emulator
#
# The token lives in shell variables, the emulator's argument list and whatever 0600 file the
# caller writes under its private WORKDIR; nothing here prints it. It is passed as
# --token=VALUE because a random token may start with '-'.

EMULATOR_PID=""
EMULATOR_API_URL=""
EMULATOR_TOKEN=""

start_emulator() {
    local python="$1" workdir="$2"
    shift 2
    EMULATOR_TOKEN="$("$python" -c 'import secrets; print(secrets.token_urlsafe(24))')"

    # The token reaches the emulator through its environment, never its argument list.
    AIR_EMULATOR_TOKEN="$EMULATOR_TOKEN" "$python" "$REPO_ROOT/tests/emulator/air_emulator.py" \
        --host 127.0.0.1 --port 0 --dataset demo "$@" \
        >"$workdir/emulator.out" 2>"$workdir/emulator.err" &
    EMULATOR_PID=$!

    # The emulator prints one line ending in its base URL once it accepts connections.
    local _attempt
    for _attempt in $(seq 1 300); do
        EMULATOR_API_URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*/api/v[0-9]*$' \
            "$workdir/emulator.out" | head -n1 || true)"
        [[ -n "$EMULATOR_API_URL" ]] && return 0
        if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
            log "The emulator exited before it was ready. Its output:"
            cat "$workdir/emulator.out" "$workdir/emulator.err" >&2
            return 1
        fi
        sleep 0.1
    done
    log "The emulator did not report its URL within 30 s."
    return 1
}

# shellcheck disable=SC2317,SC2329  # runs from an EXIT trap
stop_emulator() {
    if [[ -n "$EMULATOR_PID" ]] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    EMULATOR_PID=""
}
