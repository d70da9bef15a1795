# shellcheck shell=bash
# Shell helpers shared by scripts/test.sh and scripts/ansible-test.sh (sourced, not run).
#
# Everything a test run needs is installed from the pinned files in tests/requirements/ into
# virtual environments under .venvs/, so a fresh clone needs no manual step and a second run
# reuses what the first one built.

# shellcheck disable=SC2034  # used by the scripts that source this file
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENVS_DIR="${NVAIR_VENVS_DIR:-$REPO_ROOT/.venvs}"
REQUIREMENTS_DIR="$REPO_ROOT/tests/requirements"

log() { printf '%s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# The Python each supported ansible-core runs on. 2.20 and newer need Python 3.12+.
python_for_core() {
    case "$1" in
        2.16 | 2.17) echo 3.11 ;;
        2.18 | 2.19) echo 3.12 ;;
        2.20 | 2.21) echo 3.13 ;;
        *) return 1 ;;
    esac
}

# find_python 3.13 -> path of a working python3.13.
# pyenv keeps interpreters that are not on its global path; their shims exist on PATH but fail
# with "command not found", so every candidate is run once before it is trusted.
find_python() {
    local want="$1" candidate
    local pyenv_root="${PYENV_ROOT:-/root/.pyenv}"
    local -a candidates=()

    for candidate in "$pyenv_root"/versions/"$want".*/bin/python"$want"; do
        [[ -x "$candidate" ]] && candidates+=("$candidate")
    done
    candidate="$(command -v "python$want" 2>/dev/null || true)"
    [[ -n "$candidate" ]] && candidates+=("$candidate")

    for candidate in "${candidates[@]}"; do
        if "$candidate" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$want'" \
            >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# A stamp over a requirements file and the files it pulls in with "-r", so a venv is rebuilt
# exactly when a pin changes.
requirements_stamp() {
    local file="$1" dir included
    dir="$(dirname "$file")"
    {
        cat "$file"
        sed -n 's/^-r[[:space:]]*//p' "$file" | while read -r included; do
            cat "$dir/$included"
        done
    } | sha256sum | cut -d' ' -f1
}

# ensure_venv NAME PYTHON_VERSION REQUIREMENTS_FILE -> prints the venv directory.
ensure_venv() {
    local name="$1" pyver="$2" requirements="$3"
    local venv="$VENVS_DIR/$name" python stamp install_log lock_fd

    [[ -f "$requirements" ]] || die "missing requirements file $requirements"
    python="$(find_python "$pyver")" ||
        die "Python $pyver not found (looked in ${PYENV_ROOT:-/root/.pyenv}/versions and PATH); the $name environment needs it"
    stamp="$(requirements_stamp "$requirements") $python"

    # Several test runs may start at once; the first builds the venv, the others wait for it.
    mkdir -p "$VENVS_DIR"
    exec {lock_fd}>"$VENVS_DIR/.$name.lock"
    flock "$lock_fd"

    if [[ -x "$venv/bin/python" && -f "$venv/.stamp" && "$(cat "$venv/.stamp")" == "$stamp" ]]; then
        exec {lock_fd}>&-
        echo "$venv"
        return 0
    fi

    log "Creating $venv (Python $pyver, ${requirements#"$REPO_ROOT"/})"
    rm -rf "$venv"
    "$python" -m venv "$venv" || die "could not create a virtual environment with $python"

    install_log="$(mktemp)"
    if ! "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$requirements" \
        >"$install_log" 2>&1; then
        cat "$install_log" >&2
        rm -f "$install_log"
        die "pip install -r ${requirements#"$REPO_ROOT"/} failed"
    fi
    rm -f "$install_log"

    echo "$stamp" >"$venv/.stamp"
    exec {lock_fd}>&-
    echo "$venv"
}

# ansible-test bootstraps pip into the virtual environments it makes for sanity tests with a
# get-pip script it downloads from a host these machines cannot reach. It uses a file already
# at ~/.ansible/test/cache/get_pip_<version>.py as is, so we put a stand-in there that installs
# pip from the bundled ensurepip wheel and then the requested packages from the package index.
ensure_get_pip_standin() {
    local venv="$1" cache="$HOME/.ansible/test/cache" source version target
    source="$("$venv/bin/python" -c \
        'import ansible_test._internal.python_requirements as m; print(m.__file__)')" ||
        die "ansible-test is not installed in $venv"

    mkdir -p "$cache"
    # get_venv_packages() lists pip='X.Y' for the default and for each overridden Python.
    sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" "$source" | sort -u | while read -r version; do
        target="$cache/get_pip_${version//./_}.py"
        [[ -f "$target" ]] && continue
        write_get_pip_standin >"$target.tmp" && mv "$target.tmp" "$target"
        log "Wrote ansible-test pip bootstrap stand-in $target"
    done
}

write_get_pip_standin() {
    cat <<'PYEOF'
"""Offline stand-in for ansible-test's get-pip script (written by nvair.air scripts/lib/common.sh).

ansible-test runs this with pip's options followed by the packages to install, usually a pinned
pip. ensurepip installs the pip wheel bundled with this Python, then that pip installs the
requested packages from the configured package index.
"""

import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap()

# ensurepip points pip at an empty config file through these variables and leaves them set;
# keeping them would drop the machine's pip settings (certificates, index) for the next step.
os.environ.pop("PIP_CONFIG_FILE", None)
os.environ.pop("ENSUREPIP_OPTIONS", None)

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
PYEOF
}

# sync_collection DEST_ROOT -> prints DEST_ROOT/ansible_collections/nvair/air.
# ansible-test needs the collection under ansible_collections/<namespace>/<name>. The copy holds
# what git would commit (tracked files plus new files it does not ignore), so sanity tests see
# the same files as CI and never virtual environments, caches or generated output. Outside a
# git checkout (an unpacked tarball, say) it copies the tree minus those same directories.
sync_collection() {
    local dest="$1/ansible_collections/nvair/air"
    mkdir -p "$dest"

    if git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # ls-files still lists tracked files deleted from the work tree; tar must skip those.
        (cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' file; do
                case "$file" in
                    # Tool state that a missing .gitignore entry must not smuggle into the tree.
                    .ansible/* | .venv*/* | .demo/* | .cache/* | tests/output/*) continue ;;
                esac
                [[ -e "$file" || -L "$file" ]] && printf '%s\0' "$file"
            done | tar --null -T - -cf -) | tar -xf - -C "$dest"
    else
        tar -C "$REPO_ROOT" \
            --exclude=./.git --exclude='./.venv*' --exclude=./.demo --exclude=./.cache \
            --exclude=__pycache__ --exclude='*.pyc' --exclude=.pytest_cache \
            --exclude=.ruff_cache --exclude=.hypothesis --exclude=./tests/output \
            --exclude=./tests/integration/integration_config.yml --exclude='*.tar.gz' \
            -cf - . | tar -xf - -C "$dest"
    fi
    echo "$dest"
}
