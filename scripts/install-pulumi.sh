#!/usr/bin/env bash
# Makes the Pulumi CLI, and everything this project runs it with, available without
# get.pulumi.com, in ONE bin directory that it prints on stdout. Nothing else goes to stdout
# (callers do `PATH="$(bash scripts/install-pulumi.sh):$PATH"`); progress goes to stderr.
#
#   pulumi                           the CLI, at the version in scripts/pulumi-version (pkg/v3)
#   pulumi-language-nodejs           Node.js language host (from sdk/v3@v3.68.0, see below)
#   pulumi-resource-pulumi-nodejs    the dynamic-provider plugin (a script in the sdk/v3 module)
#   pulumi-language-yaml             YAML language host (github.com/pulumi/pulumi-yaml v1.38.1)
#   pulumi-language-python           Python language host (from sdk/v3@v3.79.0, see below)
#   pulumi-language-python-exec      the Python host's runner script (same module zip)
#   pulumi-analyzer-policy-vastnode  policy-pack shim, copied from this repository's policy/bin/
#
# Uses the `pulumi` on PATH when PATH already provides all of these. Otherwise builds what is
# missing from the Go module proxy into a cache OUTSIDE the repository
# (${XDG_CACHE_HOME:-~/.cache}/vast-pulumi/pulumi-<version>, or $PULUMI_BUILD_DIR). Idempotent:
# a complete cache costs one `pulumi version`; a partial one (e.g. made by an older version of
# this script) is completed, never rebuilt, and nothing in it is ever deleted (other checkouts
# may be using it). Every binary is written under a temporary name and renamed into place, so an
# interrupted build never looks finished; concurrent runs wait for each other on a lock file.
#
# Recipe, fallbacks and measured costs: docs/design.md, "Building the Pulumi CLI".
#
# Environment: PULUMI_BUILD_DIR (cache directory), PULUMI_FORCE_BUILD=1 (ignore a pulumi on
# PATH), INSTALL_PULUMI_HEARTBEAT (seconds between progress lines during long steps; default 15).
set -euo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(dirname "$SCRIPTS_DIR")
# The one place the CLI version is written down; scripts/pulumi-cli.ts reads the same file.
PULUMI_VERSION=$(tr -d '[:space:]' <"$SCRIPTS_DIR/pulumi-version")
# pulumi-yaml is an ordinary root module (no replace directives). The proxy refuses its version
# list, so the version is asked for exactly.
YAML_HOST_VERSION=v1.38.1
# The Python host's own module (sdk/python/cmd/pulumi-language-python/v3) is never tagged and the
# proxy refuses its pseudo-versions (403); up to v3.79.0 the host was a package inside sdk/v3,
# with its runner script pulumi-language-python-exec beside it in the module zip.
PYTHON_HOST_SDK=v3.79.0
# The Node.js host module is never tagged either, so it is pinned to a pseudo-version at the
# commit of the release tag; the pkg-tag commit carries identical Go sources and is the next
# try. Measured on 2026-11-23: the proxy refuses every pseudo-version of it (403), so after
# trying those we fall back to the last release where the host lived inside sdk/v3 (v3.68.0),
# built in a separate wrapper module. The CLI treats the older host's missing RPCs as "older
# host" and falls back.
NODE_HOST_PSEUDO_VERSIONS=("v3.0.0-20260819165155-0ac56e876614" "v3.0.0-20260820084410-a05d88f24d05")
NODE_HOST_LEGACY_SDK=v3.68.0
SDK_VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

OUT="${PULUMI_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vast-pulumi/pulumi-$PULUMI_VERSION}"
BIN="$OUT/bin"
LOGS="$OUT/logs"
SHIM=pulumi-analyzer-policy-vastnode
SHIM_SRC="$REPO_DIR/policy/bin/$SHIM"
BUILT=(pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs pulumi-language-yaml
  pulumi-language-python pulumi-language-python-exec)
HEARTBEAT="${INSTALL_PULUMI_HEARTBEAT:-15}"
export PULUMI_SKIP_UPDATE_CHECK=true

log() { echo "install-pulumi: $*" >&2; }
die() { log "error: $*"; exit 1; }
mmss() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
listing() { paste -sd , <<<"$1" | sed 's/,/, /g'; } # lines -> "a, b, c"

[[ "$HEARTBEAT" =~ ^[1-9][0-9]*$ ]] || die "INSTALL_PULUMI_HEARTBEAT must be a whole number of seconds, found '$HEARTBEAT'"
[[ "$PULUMI_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
  || die "scripts/pulumi-version must hold a version like 3.259.0, found '$PULUMI_VERSION'"

# Copies the policy shim from the repository on every run (it is tiny, and the repository's copy
# is the truth), atomically. Without the repository file there is nothing to install.
refresh_shim() {
  [ -f "$SHIM_SRC" ] || return 0
  cmp -s "$SHIM_SRC" "$BIN/$SHIM" 2>/dev/null && [ -x "$BIN/$SHIM" ] && return 0
  install -m 0755 "$SHIM_SRC" "$BIN/.$SHIM.tmp.$$"
  mv -f "$BIN/.$SHIM.tmp.$$" "$BIN/$SHIM"
}

# --- A pulumi on PATH, unless it is this cache itself ------------------------------------------
# Used only when PATH has every binary above (and the repository's shim); otherwise a policy
# pack or a YAML program would fail later with a less clear error than building now.
path_lacks() {
  local b s
  for b in "${BUILT[@]}"; do
    command -v "$b" >/dev/null 2>&1 || { echo "$b"; return 0; }
  done
  if [ -f "$SHIM_SRC" ]; then
    if ! s=$(command -v "$SHIM" 2>/dev/null) || ! cmp -s "$s" "$SHIM_SRC"; then
      echo "$SHIM (as in policy/bin/)"
      return 0
    fi
  fi
  return 1
}
if [ -z "${PULUMI_FORCE_BUILD:-}" ] && on_path=$(command -v pulumi 2>/dev/null) \
  && ! [ "$(dirname "$on_path")" -ef "$BIN" ]; then
  if ! lacking=$(path_lacks); then
    log "using pulumi from PATH ($(pulumi version 2>/dev/null || echo unknown version))"
    dirname "$on_path"
    exit 0
  fi
  log "the pulumi on PATH ($on_path) comes without $lacking; using $BIN instead"
fi

# --- The cache ------------------------------------------------------------------------------------
pulumi_ok() { [ -x "$BIN/pulumi" ] && [ "$("$BIN/pulumi" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; }
# What still has to be built, one name per line, in build order.
missing() {
  pulumi_ok || echo pulumi
  [ -x "$BIN/pulumi-resource-pulumi-nodejs" ] || echo pulumi-resource-pulumi-nodejs
  [ -x "$BIN/pulumi-language-nodejs" ] || echo pulumi-language-nodejs
  [ -x "$BIN/pulumi-language-yaml" ] || echo pulumi-language-yaml
  { [ -x "$BIN/pulumi-language-python" ] && [ -x "$BIN/pulumi-language-python-exec" ]; } \
    || echo pulumi-language-python
}
done_line() { log "pulumi v$PULUMI_VERSION, its language hosts and plugins are in $BIN"; echo "$BIN"; }

mkdir -p "$BIN" "$LOGS"
refresh_shim
todo=$(missing)
[ -z "$todo" ] && { done_line; exit 0; }

# Measured on 2 cores (docs/testing.md, "Development notes"): from nothing (empty Go caches), 22m39s with
# the machine busy (load average ~9; the CLI's compile alone was 16 min); on a less busy machine
# the CLI and the Node.js host took 9 min, so about 11 min in all; adding the YAML and Python
# hosts to a cache that has the CLI, 2 to 4 min.
if [ "$(echo "$todo" | head -n 1)" = pulumi ]; then
  estimate="the first build takes 10 to 25 minutes on 2 cores, depending on load (measured: 22m39s on a busy machine), and downloads about 1.8 GB of Go modules"
else
  estimate="this takes 2 to 4 minutes"
fi
gocaches=$(go env GOMODCACHE GOCACHE 2>/dev/null | paste -sd ' ' | sed 's/ / and /') || true
log "building $(listing "$todo") from Go modules: $estimate; binaries are cached in $BIN${gocaches:+, the Go caches in $gocaches}"

command -v go >/dev/null 2>&1 || die "Go (1.25.11 or newer) is required to build the Pulumi CLI; install it, or put a Pulumi CLI with all of ${BUILT[*]} on PATH"

# One build at a time per cache: a second run waits, then finds the work done.
locked=""
if command -v flock >/dev/null 2>&1; then
  locked=1
  exec 9>>"$OUT/.lock"
  if ! flock -n 9; then
    log "another install-pulumi run is building into $OUT; waiting for it to finish"
    waited=$SECONDS
    until flock -w "$HEARTBEAT" 9; do log "    ... still waiting ($(mmss $((SECONDS - waited))))"; done
    todo=$(missing)
    [ -z "$todo" ] && { done_line; exit 0; }
  fi
fi

# --- Running long steps with progress ---------------------------------------------------------
START=$SECONDS
CHILD=""
# On exit (interrupted or failed), stop the running step (go first, then the subshell waiting for
# it) and drop this run's temporary binaries.
stop_step() {
  if [ -n "$CHILD" ]; then
    pkill -TERM -P "$CHILD" 2>/dev/null || true
    kill "$CHILD" 2>/dev/null || true
  fi
  rm -f "$BIN"/.*.tmp."$$"
}
trap stop_step EXIT
trap 'exit 130' INT TERM
# Temporary binaries left by an interrupted run (we hold the lock, so nobody is writing them).
# The shim is copied without the lock, so its temporary file is left alone.
if [ -n "$locked" ]; then
  find "$BIN" -maxdepth 1 -name '.*.tmp.*' ! -name ".$SHIM.tmp.*" -exec rm -f {} + 2>/dev/null || true
fi

# ", N modules downloaded, N packages compiled" so far in a Go log, leaving out zeros. `go build
# -v` prints each package it compiles (not the ones it finds in the build cache) as a bare import
# path; `go get` prints "go: downloading <module> <version>".
counts() {
  local dl pk
  dl=$(grep -c '^go: downloading' "$1" || true)
  pk=$(grep -Ec '^[[:alnum:]][^[:space:]]*$' "$1" || true)
  ((dl == 0)) || printf ', %s module%s downloaded' "$dl" "$( ((dl == 1)) || echo s)"
  ((pk == 0)) || printf ', %s package%s compiled' "$pk" "$( ((pk == 1)) || echo s)"
}

# run_step LABEL COMMAND...: runs COMMAND (a command or a function) with its output in a log
# file, printing a progress line every $HEARTBEAT s, so that no step is silent for long. On
# failure, prints the log's tail and exits.
run_step() {
  local label=$1 t0=$SECONDS next=$((SECONDS + HEARTBEAT)) rc=0 logf
  shift
  logf="$LOGS/$(printf '%s' "$label" | tr -cs 'A-Za-z0-9' '-').log"
  log "  $label"
  "$@" >"$logf" 2>&1 &
  CHILD=$!
  while kill -0 "$CHILD" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)); then
      next=$((next + HEARTBEAT))
      log "    ... $(mmss $((SECONDS - t0)))$(counts "$logf"); latest: $(tail -n 1 "$logf" | cut -c1-80)"
    fi
  done
  wait "$CHILD" || rc=$?
  CHILD=""
  if ((rc != 0)); then
    log "$label failed (exit $rc) after $(mmss $((SECONDS - t0))); end of $logf:"
    tail -n 40 "$logf" | sed 's/^/  | /' >&2
    exit 1
  fi
  log "    done in $(mmss $((SECONDS - t0)))$(counts "$logf")"
}

# Moves a finished temporary binary into place: the last act of every stage.
promote() { mv -f "$BIN/.$1.tmp.$$" "$BIN/$1"; }

# cd into a wrapper module under $OUT, creating it on first use.
wrapper() {
  mkdir -p "$OUT/$1"
  cd "$OUT/$1"
  [ -f go.mod ] || go mod init "local.invalid/$2" >/dev/null 2>&1
}

# The directory of a module version in the module cache (downloading it if needed).
module_dir() {
  (cd "$OUT" && go mod download -json "$1") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

# Same flags as upstream's .goreleaser.yml.
export CGO_ENABLED=0
GO_FLAGS=(-v -trimpath -tags "osusergo,grpcnotrace")

fetch_cli() {
  wrapper src pulumi-build
  go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION"
  go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
}
compile_cli() {
  wrapper src pulumi-build
  go build "${GO_FLAGS[@]}" -ldflags "-s -w -X $SDK_VERSION_VAR=v$PULUMI_VERSION" \
    -o "$BIN/.pulumi.tmp.$$" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

# pulumi-yaml requires older pkg/sdk (v3.255.0), so it is built with pkg/sdk pinned at the CLI's
# version, named in the same `go get`: if it ever needed newer ones, `go get` fails instead of
# moving them. That wrapper is a separate one: adding pulumi-yaml to the CLI's own wrapper gives
# the same graph for the host, but moves some of the CLI's dependencies (e.g. pulumi/inflector
# v0.1.1 -> v0.2.1) for any later rebuild of the CLI.
fetch_yaml() {
  wrapper src-yaml-host pulumi-yaml-host
  go get "github.com/pulumi/pulumi-yaml@$YAML_HOST_VERSION" \
    "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  go get -tool github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
  local m v
  for m in pkg sdk; do
    v=$(go list -m -f '{{.Version}}' "github.com/pulumi/pulumi/$m/v3")
    [ "$v" = "v$PULUMI_VERSION" ] || { echo "error: $m/v3 is at $v in $OUT/src-yaml-host, not v$PULUMI_VERSION"; return 1; }
  done
}
compile_yaml() {
  wrapper src-yaml-host pulumi-yaml-host
  go build "${GO_FLAGS[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_HOST_VERSION" \
    -o "$BIN/.pulumi-language-yaml.tmp.$$" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
}

# Old releases are built in wrappers of their own that require only that release's sdk/v3 (its
# go.mod carries replace directives, so `go install pkg@version` refuses it).
fetch_legacy_host() { # LANG SDK_VERSION
  wrapper "src-$1-host" "pulumi-$1-host"
  go get "github.com/pulumi/pulumi/sdk/v3/$1/cmd/pulumi-language-$1@$2"
}
compile_legacy_host() { # LANG SDK_VERSION
  wrapper "src-$1-host" "pulumi-$1-host"
  go build -v -trimpath -ldflags "-s -w -X $SDK_VERSION_VAR=$2" \
    -o "$BIN/.pulumi-language-$1.tmp.$$" "github.com/pulumi/pulumi/sdk/v3/$1/cmd/pulumi-language-$1"
}
compile_node_host_pseudo() { # PSEUDO_VERSION
  wrapper src pulumi-build
  go build "${GO_FLAGS[@]}" -ldflags "-s -w -X $SDK_VERSION_VAR=v$PULUMI_VERSION" \
    -o "$BIN/.pulumi-language-nodejs.tmp.$$" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
}

total=$(echo "$todo" | wc -l)
i=0
for piece in $todo; do
  i=$((i + 1))
  t0=$SECONDS
  log "[$i/$total] $piece"
  case "$piece" in
    pulumi)
      run_step "fetch pulumi v$PULUMI_VERSION modules from the Go module proxy" fetch_cli
      run_step "compile pulumi (the long part: ~1,700 packages)" compile_cli
      [ "$("$BIN/.pulumi.tmp.$$" version)" = "v$PULUMI_VERSION" ] || die "the pulumi just built does not report v$PULUMI_VERSION"
      promote pulumi
      ;;
    pulumi-resource-pulumi-nodejs)
      # A shell script shipped in the sdk module zip; module-cache files are read-only and not
      # executable, hence install -m 0755.
      dir=$(module_dir "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")
      install -m 0755 "$dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$BIN/.pulumi-resource-pulumi-nodejs.tmp.$$"
      promote pulumi-resource-pulumi-nodejs
      ;;
    pulumi-language-nodejs)
      route=""
      for pv in "${NODE_HOST_PSEUDO_VERSIONS[@]}"; do
        if (wrapper src pulumi-build && go get -tool "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$pv") >"$LOGS/nodejs-host-probe.log" 2>&1; then
          run_step "compile the Node.js host $pv" compile_node_host_pseudo "$pv"
          route="$pv"
          break
        fi
        log "  the Node.js host $pv is not served by the module proxy"
      done
      if [ -z "$route" ]; then
        run_step "fetch sdk/v3@$NODE_HOST_LEGACY_SDK (the Node.js host's last release inside sdk/v3)" fetch_legacy_host nodejs "$NODE_HOST_LEGACY_SDK"
        run_step "compile the Node.js host" compile_legacy_host nodejs "$NODE_HOST_LEGACY_SDK"
        route="sdk/v3@$NODE_HOST_LEGACY_SDK"
      fi
      promote pulumi-language-nodejs
      log "  Node.js host: $route"
      ;;
    pulumi-language-yaml)
      run_step "fetch pulumi-yaml $YAML_HOST_VERSION (with pkg/sdk at v$PULUMI_VERSION)" fetch_yaml
      run_step "compile the YAML host" compile_yaml
      promote pulumi-language-yaml
      ;;
    pulumi-language-python)
      run_step "fetch sdk/v3@$PYTHON_HOST_SDK (the Python host's last release inside sdk/v3)" fetch_legacy_host python "$PYTHON_HOST_SDK"
      run_step "compile the Python host" compile_legacy_host python "$PYTHON_HOST_SDK"
      dir=$(module_dir "github.com/pulumi/pulumi/sdk/v3@$PYTHON_HOST_SDK")
      install -m 0755 "$dir/python/cmd/pulumi-language-python-exec" "$BIN/.pulumi-language-python-exec.tmp.$$"
      promote pulumi-language-python-exec
      promote pulumi-language-python
      ;;
  esac
  log "[$i/$total] $piece ready in $(mmss $((SECONDS - t0))) (total $(mmss $((SECONDS - START))))"
done

"$BIN/pulumi" version >&2
log "built $(listing "$todo") in $(mmss $((SECONDS - START)))"
done_line
