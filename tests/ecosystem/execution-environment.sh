#!/usr/bin/env bash
# Check the execution environment definition: `ansible-builder create` on execution-environment.yml
# writes a complete build context for this collection. No image is built (no container engine
# on CI); the context is what `ansible-builder build` would hand to podman or docker.
#
#   tests/ecosystem/execution-environment.sh
#
# Checks: the tarball named in execution-environment.yml is the version galaxy.yml builds; the
# context holds the Containerfile, the galaxy requirements naming that tarball and the tarball
# itself; the tarball's meta/execution-environment.yml points at a requirements.txt that names
# requests and jmespath, which ansible-builder's introspection adds to the image.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
# shellcheck source=tests/ecosystem/lib.sh
source "$REPO_ROOT/tests/ecosystem/lib.sh"

VENV="$(ensure_venv tools 3.13 "$REQUIREMENTS_DIR/tools.txt")"
workdir="$(private_workdir nvair-ee)"
trap 'rm -rf "$workdir"' EXIT

version="$("$VENV/bin/python" -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["version"])' "$REPO_ROOT/galaxy.yml")"
tarball_name="nvair-air-$version.tar.gz"
grep -q "build/$tarball_name\$" "$REPO_ROOT/execution-environment.yml" ||
    die "execution-environment.yml does not name build/$tarball_name (galaxy.yml version $version)"

# The same layout a user has at the repository root: execution-environment.yml next to build/.
cp "$REPO_ROOT/execution-environment.yml" "$workdir/"
build_collection "$VENV" "$workdir/build" >/dev/null
cd "$workdir"
echo "ansible-builder create --file execution-environment.yml --context context"
"$VENV/bin/ansible-builder" create --file execution-environment.yml --context "$workdir/context" \
    --output-filename Containerfile

context="$workdir/context"
for path in Containerfile _build/requirements.yml "_build/collections/$tarball_name" \
    _build/scripts/introspect.py _build/scripts/assemble; do
    [[ -f "$context/$path" ]] || die "the build context lacks $path"
done
grep -q "/build/collections/$tarball_name" "$context/_build/requirements.yml" ||
    die "the context's requirements.yml does not install $tarball_name"
grep -q 'ansible-galaxy collection install' "$context/Containerfile" ||
    die "the Containerfile installs no collections"
grep -q 'ansible-core==' "$context/Containerfile" || die "the Containerfile pins no ansible-core"

# What introspection will read inside the image, taken from the tarball in the context.
mkdir "$workdir/unpacked"
tar -xzf "$context/_build/collections/$tarball_name" -C "$workdir/unpacked" \
    meta/execution-environment.yml requirements.txt
"$VENV/bin/python" - "$workdir/unpacked" <<'PYEOF'
import pathlib
import sys

import yaml

root = pathlib.Path(sys.argv[1])
meta = yaml.safe_load((root / "meta/execution-environment.yml").read_text())
python_file = meta["dependencies"]["python"]
names = {
    line.split(";")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
    for line in (root / python_file).read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
missing = {"requests", "jmespath"} - names
if missing:
    sys.exit(f"{python_file} in the tarball lacks {sorted(missing)}")
print(f"meta/execution-environment.yml -> {python_file}: {', '.join(sorted(names))}")
PYEOF
echo "Build context complete: Containerfile, requirements.yml, $tarball_name"
