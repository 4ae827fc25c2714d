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
# A directory of its own per run (several runs at once must not clobber each other's copy); kept
# when sanity fails, for its tests/output.
mkdir -p "$root/.build"
work=$(mktemp -d "$root/.build/sanity.XXXXXX")
dest="$work/ansible_collections/msp/psa"
mkdir -p "$dest"
# Sanity runs on what the Galaxy artifact ships, nothing else: the tarball `ansible-galaxy
# collection build` makes (galaxy.yml's build_ignore is the one list of what ships), extracted.
"$venv/bin/ansible-galaxy" collection build --force --output-path "$work" "$root" >/dev/null
tar -xzf "$work"/msp-psa-*.tar.gz -C "$dest"
rm -f "$work"/msp-psa-*.tar.gz
cd "$dest"
# The copy sits inside the (git-ignored) .build of this checkout: give it its own index, or
# ansible-test would ask the outer repository which files exist and find none. Its own output
# (tests/output) and Python's caches are not content: keep them out of what git lists.
git init -q . && printf 'tests/output/\n__pycache__/\n*.pyc\n' > .git/info/exclude && git add -A
status=0
PATH="$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --venv --python 3.11 --color no "$@" || status=$?
if [ "$status" -eq 0 ]; then
  rm -rf "$work"
else
  echo "ansible-test sanity failed (exit $status); its copy and tests/output: $dest" >&2
fi
exit "$status"
