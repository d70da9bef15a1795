#!/usr/bin/env bash
# Credentials from AIR_API_URL/AIR_API_TOKEN only, in a playbook and in an ad-hoc command.
set -euo pipefail

PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
config="../../integration_config.yml"
[[ -f "$config" ]] || { echo "missing $config (run through scripts/ansible-test.sh)" >&2; exit 1; }

read_var() {
    "$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"
}
AIR_API_URL="$(read_var air_api_url)"
AIR_API_TOKEN="$(read_var air_api_token)"
export AIR_API_URL AIR_API_TOKEN
# Nothing below may fall back to a real NGC config.
HOME="$(mktemp -d)"
export HOME
trap 'rm -rf "$HOME"' EXIT

ansible-playbook -i "$INVENTORY_PATH" -e "@$config" env_credentials.yml "$@"

# Ad-hoc, as a user would type it; -vvv so the invocation (and anything leaking) is printed.
output="$(ANSIBLE_STDOUT_CALLBACK=minimal ANSIBLE_LOAD_CALLBACK_PLUGINS=1 \
    ansible localhost -vvv -m nvair.air.air_checkpoint_info \
    -a 'simulation=info-lab state=COMPLETE ordering=-created' 2>&1)"

if grep -qF -- "$AIR_API_TOKEN" <<<"$output"; then
    echo "FAIL: the API token appears in the ad-hoc output" >&2
    exit 1
fi
result="$(sed -n '/^localhost | SUCCESS => {/,/^}/p' <<<"$output" | sed '1s/^localhost | SUCCESS => //')"
if [[ -z "$result" ]]; then
    echo "FAIL: the ad-hoc call did not succeed:" >&2
    echo "${output//"$AIR_API_TOKEN"/********}" >&2
    exit 1
fi
"$PYTHON" - "$result" <<'PY'
import json
import sys

result = json.loads(sys.argv[1])
ids = [c["id"] for c in result["checkpoints"]]
expected = ["3a000000-0000-4000-8000-000000000002", "3a000000-0000-4000-8000-000000000001"]
assert ids == expected, ids
assert result["count"] == 2 and result["changed"] is False, result
if "invocation" in result:
    assert result["invocation"]["module_args"]["api_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
print("ad-hoc call OK:", ", ".join(c["name"] for c in result["checkpoints"]))
PY
