#!/usr/bin/env bash
# Makes the Pulumi CLI (plus the Node.js language host and the dynamic-provider plugin) available
# without get.pulumi.com: use `pulumi` from PATH when it is there, otherwise build it from the Go
# module proxy into a cache OUTSIDE the repository. Idempotent; prints the bin directory last.
#
# Recipe, fallbacks and measured costs: docs/design.md, "Building the Pulumi CLI". Build cost (measured, see README):
# a cold build takes tens of minutes on 2 cores and several GB of Go caches.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.259.0}"
# The language host module is never tagged, so it is pinned to a pseudo-version at the commit of
# the release tag; the pkg-tag commit carries identical Go sources and is the fallback.
LH_VERSIONS=("${LH_VERSION:-v3.0.0-20260819165155-0ac56e876614}" "v3.0.0-20260820084410-a05d88f24d05")
OUT="${PULUMI_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vast-pulumi/pulumi-$PULUMI_VERSION}"
export PULUMI_SKIP_UPDATE_CHECK=true

log() { echo "install-pulumi: $*" >&2; }

if [ -z "${PULUMI_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1 \
  && command -v pulumi-language-nodejs >/dev/null 2>&1; then
  log "using pulumi from PATH ($(pulumi version 2>/dev/null || echo unknown version))"
  dirname "$(command -v pulumi)"
  exit 0
fi

if [ -x "$OUT/bin/pulumi" ] && [ -x "$OUT/bin/pulumi-language-nodejs" ] \
  && [ -x "$OUT/bin/pulumi-resource-pulumi-nodejs" ] \
  && [ "$("$OUT/bin/pulumi" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
  log "pulumi v$PULUMI_VERSION already built in $OUT/bin"
  echo "$OUT/bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "error: Go is required to build the Pulumi CLI"; exit 1; }
start=$(date +%s)
mkdir -p "$OUT/src" "$OUT/bin"
cd "$OUT/src"
[ -f go.mod ] || go mod init local.invalid/pulumi-build >/dev/null 2>&1

log "fetching pulumi v$PULUMI_VERSION modules from the Go module proxy"
go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION"
go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
# Same flags as upstream's .goreleaser.yml.
export CGO_ENABLED=0
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
log "compiling pulumi (cold builds take minutes and several GB of Go caches)"
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" \
  -o "$OUT/bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

# The Node.js language host is a nested module that was never tagged. Measured on 2026-11-23:
# the Go module proxy refuses every pseudo-version of it (403), so after trying those we fall
# back to the last release where the host lived inside sdk/v3 (v3.68.0), built in a separate
# wrapper module. The CLI treats the older host's missing RPCs as "older host" and falls back.
lh_ok=""
for lh in "${LH_VERSIONS[@]}"; do
  if go get -tool "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$lh" 2>/dev/null; then
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" \
      -o "$OUT/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
    lh_ok="$lh"; break
  fi
  log "language host $lh is not served by the module proxy"
done
if [ -z "$lh_ok" ]; then
  LEGACY_SDK="${LEGACY_HOST_SDK:-v3.68.0}"
  log "building the language host from sdk/v3@$LEGACY_SDK (fallback)"
  mkdir -p "$OUT/src-host" && cd "$OUT/src-host"
  [ -f go.mod ] || go mod init local.invalid/pulumi-host >/dev/null 2>&1
  go get "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@$LEGACY_SDK"
  go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LEGACY_SDK" \
    -o "$OUT/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
  lh_ok="sdk/v3@$LEGACY_SDK"
  cd "$OUT/src"
fi
log "language host: $lh_ok"

# The dynamic-provider plugin is a shell script shipped in the sdk module zip; module-cache files
# are read-only and not executable, hence install -m 0755.
SDK_DIR=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$SDK_DIR/nodejs/dist/pulumi-resource-pulumi-nodejs" "$OUT/bin/"
# Move the CLI into place last so an interrupted build is never mistaken for a finished one.
mv "$OUT/bin/pulumi.tmp" "$OUT/bin/pulumi"

"$OUT/bin/pulumi" version >&2
log "built in $(( $(date +%s) - start ))s into $OUT/bin"
echo "$OUT/bin"
