#!/usr/bin/env bash
# Runs `ansible-test sanity` on a copy of the collection laid out as ansible_collections/msp/psa
# (ansible-test insists on that path; the checkout can live anywhere). Offline-safe: ansible-test
# bootstraps pip in its test venvs from ~/.ansible/test/cache/get_pip_<ver>.py, which it would
# otherwise download; a stub that calls ensurepip does the same job from the local Python.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',*$/\1/p" \
  "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -n1)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -s "$cache" ]; then
  mkdir -p "$(dirname "$cache")"
  printf 'import ensurepip\nensurepip.bootstrap()\n' > "$cache"
fi
dest="$root/.build/ansible_collections/msp/psa"
rm -rf "$dest"
mkdir -p "$dest"
# What the Galaxy artifact ships (the sandbox, CI and dev tooling are not part of it).
(cd "$root" && git ls-files -co --exclude-standard -z \
  | grep -zvE '^(psa_sandbox/|tests/sandbox/|scripts/|requirements/|\.ci/|Makefile$|ansible\.cfg$|bench/)' \
  | tar --null -T - -cf -) | tar -xf - -C "$dest"
cd "$dest"
# The copy sits inside the (git-ignored) .build of this checkout: give it its own index, or
# ansible-test would ask the outer repository which files exist and find none.
git init -q . && git add -A
PATH="$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --venv --python 3.11 --color no "$@"
