#!/usr/bin/env bash
# Stages run in ( ... ) subshells on purpose: what one exports must not leak into the next.
# shellcheck disable=SC2030,SC2031
# The collection's whole test suite: what CI runs (.ci/run) and what a newcomer runs.
#
#   scripts/test.sh                 every stage, in order
#   scripts/test.sh lint units      chosen stages only (names from --list; `units` and
#                                   `integration` mean both ansible-core versions)
#   scripts/test.sh --list          the stage names
#
# Every tool comes from pinned files in tests/requirements/ and is installed into .venvs/ on
# first use. All chosen stages run even when one fails; the summary lists each stage with its
# result and time, and the exit status is non-zero if any stage failed.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

STAGES=(
    lint
    emulator
    units-2.16
    units-2.21
    integration-2.16
    integration-2.21
    sanity
    ansible-lint
    docs
    changelog
    build-install
    execution-environment
    runner
)

# The newest supported ansible-core runs sanity; units and integration run on both ends of the
# supported range (meta/runtime.yml: requires_ansible).
OLDEST_CORE=2.16
NEWEST_CORE=2.21

SKIP=3 # a stage's "nothing to test yet" status; anything else non-zero is a failure

tools_venv() { ensure_venv tools 3.13 "$REQUIREMENTS_DIR/tools.txt"; }

has_files() { # has_files DIR NAME_PATTERN
    [[ -d "$1" ]] && [[ -n "$(find "$1" -name "$2" -type f -print -quit)" ]]
}

# -- stages ---------------------------------------------------------------------------------
# Each stage runs in a subshell whose status decides its result. `set -e` does not apply there
# (the subshell is tested with ||), so every step that must stop a stage says so itself.

stage_lint() {
    local venv status=0
    local -a python_paths=()
    venv="$(tools_venv)" || return 1
    cd "$REPO_ROOT"

    for path in plugins tests benchmarks scripts/*.py; do
        [[ -e "$path" ]] && python_paths+=("$path")
    done
    if ((${#python_paths[@]})); then
        echo "ruff check ${python_paths[*]}"
        "$venv/bin/ruff" check --no-cache "${python_paths[@]}" || status=1
        echo "ruff format --check ${python_paths[*]}"
        "$venv/bin/ruff" format --no-cache --check "${python_paths[@]}" || status=1
    fi

    echo "yamllint --strict ."
    "$venv/bin/yamllint" --strict . || status=1
    return "$status"
}

stage_emulator() {
    local venv status=0
    if ! has_files "$REPO_ROOT/tests/emulator" 'test_*.py'; then
        echo "No emulator contract tests (tests/emulator/test_*.py) yet: skipped."
        return "$SKIP"
    fi
    venv="$(ensure_venv "ansible-$OLDEST_CORE" "$(python_for_core "$OLDEST_CORE")" \
        "$REQUIREMENTS_DIR/ansible-$OLDEST_CORE.txt")" || return 1
    cd "$REPO_ROOT"
    "$venv/bin/python" -m pytest -p no:cacheprovider tests/emulator || status=$?
    if ((status == 5)); then
        echo "pytest collected no tests in tests/emulator: skipped."
        return "$SKIP"
    fi
    return "$status"
}

stage_units() { # stage_units CORE
    if ! has_files "$REPO_ROOT/tests/unit" 'test_*.py'; then
        echo "No unit tests (tests/unit/**/test_*.py) yet: skipped."
        return "$SKIP"
    fi
    "$REPO_ROOT/scripts/ansible-test.sh" --core "$1" units --color no
}

stage_integration() { # stage_integration CORE
    if ! has_files "$REPO_ROOT/tests/integration/targets" 'aliases'; then
        echo "No integration targets (tests/integration/targets/*/aliases) yet: skipped."
        return "$SKIP"
    fi
    if [[ ! -f "$REPO_ROOT/tests/emulator/air_emulator.py" ]]; then
        echo "Integration targets exist but tests/emulator/air_emulator.py does not."
        return 1
    fi
    # Every target runs even after a failure, so one CI log shows all of them.
    "$REPO_ROOT/tests/integration/run-with-emulator.sh" --core "$1" --color no --continue-on-error
}

stage_sanity() {
    local ignores
    ignores="$(find "$REPO_ROOT/tests/sanity" -name 'ignore-*.txt' 2>/dev/null || true)"
    if [[ -n "$ignores" ]]; then
        echo "Sanity ignore files are not allowed; fix the findings instead:"
        echo "$ignores"
        return 1
    fi
    "$REPO_ROOT/scripts/ansible-test.sh" --core "$NEWEST_CORE" sanity --color no
}

stage_ansible_lint() {
    local venv workdir collection status=0
    local -a paths=()
    for path in roles playbooks; do
        has_files "$REPO_ROOT/$path" '*.yml' && paths+=("$path")
    done
    if ! ((${#paths[@]})); then
        echo "No roles or playbooks yet: skipped."
        return "$SKIP"
    fi
    venv="$(tools_venv)" || return 1

    # ansible-lint resolves nvair.air.* through the collection path and writes its own cache
    # into the project, so it runs on a copy placed under ansible_collections/.
    workdir="$(mktemp -d "${TMPDIR:-/tmp}/nvair-ansible-lint.XXXXXX")"
    collection="$(sync_collection "$workdir")" || return 1
    (
        cd "$collection"
        export ANSIBLE_COLLECTIONS_PATH="$workdir"
        export PATH="$venv/bin:$PATH"
        echo "ansible-lint --profile production ${paths[*]}"
        "$venv/bin/ansible-lint" --nocolor --offline --profile production "${paths[@]}"
    ) || status=$?
    rm -rf "$workdir"
    return "$status"
}

# CHANGELOG.md is generated: it is what `antsibull-changelog release` makes of the fragments for
# the version in galaxy.yml, which stays unreleased until it is tagged (docs/contributing.md).
# The stage renders that on a copy and fails when the committed file differs;
# NVAIR_CHANGELOG_WRITE=1 writes the rendered file into the checkout instead.
stage_changelog() {
    local venv workdir collection version status=0
    venv="$(tools_venv)" || return 1
    cd "$REPO_ROOT"
    echo "antsibull-changelog lint"
    "$venv/bin/antsibull-changelog" lint || status=1
    echo "antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml"
    "$venv/bin/antsibull-changelog" lint-changelog-yaml changelogs/changelog.yaml || status=1
    ((status == 0)) || return "$status"

    version="$("$venv/bin/python" -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["version"])' galaxy.yml)" || return 1
    workdir="$(mktemp -d "${TMPDIR:-/tmp}/nvair-changelog.XXXXXX")"
    collection="$(sync_collection "$workdir")" || return 1
    echo "antsibull-changelog release --version $version (on a copy)"
    (
        cd "$collection"
        export PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$workdir"
        "$venv/bin/antsibull-changelog" release --version "$version" 2>&1 |
            grep -v -e 'does not have a MANIFEST.json' -e 'no release_summary section' || true
        [[ -s CHANGELOG.md ]] || exit 1
        for module in plugins/modules/*.py; do
            module="$(basename "$module" .py)"
            grep -qF "nvair\.air\.${module//_/\\_} " CHANGELOG.md || {
                echo "the rendered CHANGELOG.md does not list the module $module"
                exit 1
            }
        done
    ) || status=1
    if ((status == 0)); then
        if [[ "${NVAIR_CHANGELOG_WRITE:-}" == 1 ]]; then
            cp "$collection/CHANGELOG.md" "$REPO_ROOT/CHANGELOG.md"
            echo "Wrote CHANGELOG.md"
        elif ! diff -u "$REPO_ROOT/CHANGELOG.md" "$collection/CHANGELOG.md"; then
            echo "CHANGELOG.md is not what the fragments give; regenerate it with:"
            echo "  NVAIR_CHANGELOG_WRITE=1 scripts/test.sh changelog"
            status=1
        else
            echo "CHANGELOG.md matches the fragments (release $version, unreleased)"
        fi
    fi
    rm -rf "$workdir"
    return "$status"
}

stage_docs() {
    local venv workdir collection status=0
    venv="$(tools_venv)" || return 1

    # --plugin-docs loads every module, filter and role through ansible-doc, so the linter runs
    # on a copy under ansible_collections/ with only that copy on the collections path.
    workdir="$(mktemp -d "${TMPDIR:-/tmp}/nvair-docs.XXXXXX")"
    collection="$(sync_collection "$workdir")" || return 1
    (
        cd "$collection"
        export ANSIBLE_COLLECTIONS_PATH="$workdir" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
        export PATH="$venv/bin:$PATH"
        echo "antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all"
        "$venv/bin/antsibull-docs" lint-collection-docs --plugin-docs \
            --validate-collection-refs all --disallow-unknown-collection-refs .
    ) || status=$?
    rm -rf "$workdir"
    return "$status"
}

run_stage() {
    case "$1" in
        lint) stage_lint ;;
        emulator) stage_emulator ;;
        units-*) stage_units "${1#units-}" ;;
        integration-*) stage_integration "${1#integration-}" ;;
        sanity) stage_sanity ;;
        ansible-lint) stage_ansible_lint ;;
        docs) stage_docs ;;
        changelog) stage_changelog ;;
        build-install) "$REPO_ROOT/tests/ecosystem/build-install.sh" ;;
        execution-environment) "$REPO_ROOT/tests/ecosystem/execution-environment.sh" ;;
        runner) "$REPO_ROOT/tests/ecosystem/runner.sh" ;;
    esac
}

# -- driver ---------------------------------------------------------------------------------

selected=()
for arg in "$@"; do
    case "$arg" in
        -h | --help)
            sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        --list)
            printf '%s\n' "${STAGES[@]}"
            exit 0
            ;;
        units | integration)
            selected+=("$arg-$OLDEST_CORE" "$arg-$NEWEST_CORE")
            ;;
        *)
            [[ " ${STAGES[*]} " == *" $arg "* ]] ||
                die "unknown stage '$arg'; stages: ${STAGES[*]}"
            selected+=("$arg")
            ;;
    esac
done
((${#selected[@]})) || selected=("${STAGES[@]}")

results=()
passed=0
failed=0
skipped=0
suite_start=$SECONDS

# The two integration stages spend most of their time waiting on ansible-playbook start-up and
# the emulator, one target after another; on two cores running them side by side saves minutes.
# The newest core's stage runs in the background (its log is printed when it is collected);
# NVAIR_SERIAL=1 runs every stage in turn.
PARALLEL_STAGE="integration-$NEWEST_CORE"
PARALLEL_WITH="integration-$OLDEST_CORE"
background_pid=""
background_dir=""
if [[ "${NVAIR_SERIAL:-}" != 1 && " ${selected[*]} " == *" $PARALLEL_STAGE "* &&
    " ${selected[*]} " == *" $PARALLEL_WITH "* ]]; then
    background_dir="$(mktemp -d "${TMPDIR:-/tmp}/nvair-stage.XXXXXX")"
    trap 'rm -rf "$background_dir"' EXIT
fi

start_background_stage() {
    (
        start=$SECONDS
        status=0
        (run_stage "$PARALLEL_STAGE") >"$background_dir/log" 2>&1 || status=$?
        echo "$status $((SECONDS - start))" >"$background_dir/result"
    ) &
    background_pid=$!
    echo "($PARALLEL_STAGE runs alongside; its output follows when it ends)"
}

for stage in "${selected[@]}"; do
    printf '\n==================== %s ====================\n' "$stage"
    if [[ -n "$background_dir" && "$stage" == "$PARALLEL_WITH" ]]; then
        start_background_stage
    fi
    start=$SECONDS
    status=0
    if [[ -n "$background_pid" && "$stage" == "$PARALLEL_STAGE" ]]; then
        wait "$background_pid" || true
        cat "$background_dir/log"
        read -r status elapsed <"$background_dir/result" || status=1 elapsed=0
    else
        (run_stage "$stage") || status=$?
        elapsed=$((SECONDS - start))
    fi

    if ((status == 0)); then
        result=passed
        passed=$((passed + 1))
    elif ((status == SKIP)); then
        result=skipped
        skipped=$((skipped + 1))
    else
        result=FAILED
        failed=$((failed + 1))
    fi
    printf -- '---- %s: %s (%ds)\n' "$stage" "$result" "$elapsed"
    results+=("$(printf '%-18s %-8s %5ds' "$stage" "$result" "$elapsed")")
done

printf '\n==================== summary ====================\n'
printf '%s\n' "${results[@]}"
printf 'total time: %ds%s\n' "$((SECONDS - suite_start))" \
    "${background_dir:+ ($PARALLEL_WITH and $PARALLEL_STAGE ran side by side)}"
printf 'stages: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
((failed == 0))
