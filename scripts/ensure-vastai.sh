#!/usr/bin/env bash
# Installs the official Vast CLI (`vastai` from PyPI) into a throwaway virtualenv cached outside
# the repository, and prints the path of its `vastai` executable. Used by the fidelity test that
# proves the emulator against a client we did not write. Fails loudly if PyPI is unreachable.
set -euo pipefail
VERSION="${VASTAI_VERSION:-1.9.1}"
VENV="${VASTAI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/vast-pulumi/vastai-$VERSION}"
PY="${PYTHON:-python3}"

if [ -x "$VENV/bin/vastai" ] && "$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('vastai') == '$VERSION'" 2>/dev/null; then
  echo "$VENV/bin/vastai"
  exit 0
fi
command -v "$PY" >/dev/null 2>&1 || { echo "ensure-vastai: $PY is required to install the vastai CLI" >&2; exit 1; }
rm -rf "$VENV"
"$PY" -m venv "$VENV" >&2
if ! "$VENV/bin/pip" install --disable-pip-version-check -q "vastai==$VERSION" >&2; then
  echo "ensure-vastai: could not install vastai==$VERSION from PyPI (is https://pypi.org reachable?)" >&2
  rm -rf "$VENV"
  exit 1
fi
echo "$VENV/bin/vastai"
