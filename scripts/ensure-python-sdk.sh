#!/usr/bin/env bash
# Makes a Python virtual environment for Pulumi programs that use this repository's Python SDK:
# the `pulumi` package from PyPI at a pinned version, then `pulumi_vast` built from sdk/python
# and installed as a user installs it (`pip install ./sdk/python`, not editable). Prints the
# venv's path on stdout and nothing else; progress goes to stderr. Fails loudly if PyPI is
# unreachable.
#
#   bash scripts/ensure-python-sdk.sh                # the cached venv (outside the repository)
#   bash scripts/ensure-python-sdk.sh DIR            # a new venv in DIR (DIR must not exist)
#   bash scripts/ensure-python-sdk.sh DIR pytest     # ... plus pinned test tools
#
# The cached venv (${XDG_CACHE_HOME:-~/.cache}/vast-pulumi/python-sdk-pulumi-<version>) keeps
# `pulumi` between runs and reinstalls `pulumi_vast` from the current sources every time, so it
# never holds a stale SDK. Programs find the venv's Python through PATH (the Python language host
# built by scripts/install-pulumi.sh predates the `virtualenv` runtime option the CLI now sends
# another way): `PATH="$(bash scripts/ensure-python-sdk.sh)/bin:$PATH" pulumi up`.
#
# Environment: PULUMI_PYTHON_VERSION (the `pulumi` package version instead of the pin), PYTHON (the
# interpreter that creates the venv; default python3, 3.10 or newer).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# The `pulumi` pin lives in the file a user installs from, examples/python/requirements.txt
# (3.272.0: the release PyPI serves that runs with the Python host built from sdk/v3@v3.79.0).
REQUIREMENTS="$ROOT/examples/python/requirements.txt"
PINNED=$(sed -n 's/^pulumi==\([0-9][0-9.]*\)[[:space:]]*$/\1/p' "$REQUIREMENTS" 2>/dev/null || true)
PULUMI_PY="${PULUMI_PYTHON_VERSION:-$PINNED}"
PYTEST=9.2.0
PY="${PYTHON:-python3}"

log() { echo "ensure-python-sdk: $*" >&2; }
die() { log "error: $*"; exit 1; }
[ -n "$PULUMI_PY" ] || die "no pulumi==<version> line in $REQUIREMENTS (and PULUMI_PYTHON_VERSION is not set)"

fresh=""
if [ $# -ge 1 ]; then
  VENV=$1
  shift
  [ -e "$VENV" ] && die "$VENV already exists; give a new directory (or no argument for the cached venv)"
  fresh=1
else
  VENV="${XDG_CACHE_HOME:-$HOME/.cache}/vast-pulumi/python-sdk-pulumi-$PULUMI_PY"
fi
extras=()
for tool in "$@"; do
  case "$tool" in
    pytest) extras+=("pytest==$PYTEST") ;;
    *) die "unknown extra '$tool' (known: pytest)" ;;
  esac
done

command -v "$PY" >/dev/null 2>&1 || die "$PY is required (Python 3.10 or newer; set PYTHON to use another interpreter)"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$("$PY" --version 2>&1) is too old: pulumi_vast and pulumi need Python 3.10 or newer"

pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" >&2; }
has_pulumi() { "$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('pulumi') == '$PULUMI_PY'" 2>/dev/null; }

if [ -n "$fresh" ] || ! has_pulumi; then
  [ -n "$fresh" ] || rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV" >&2 || die "could not create a virtual environment in $VENV"
  log "installing pulumi==$PULUMI_PY from PyPI into $VENV"
  if ! pip install "pulumi==$PULUMI_PY"; then
    [ -n "$fresh" ] || rm -rf "$VENV"
    die "could not install pulumi==$PULUMI_PY from PyPI (is https://pypi.org reachable?)"
  fi
fi

# Reinstall from the sources (a wheel built by the package's own build backend), keeping pulumi.
pip uninstall -y pulumi_vast 2>/dev/null || true
if ! pip install "$ROOT/sdk/python" "${extras[@]}"; then
  die "could not install $ROOT/sdk/python${extras:+ and ${extras[*]}} (its build backend comes from PyPI: is https://pypi.org reachable?)"
fi
echo "$VENV"
