#!/usr/bin/env bash
# Tailor setup for Debian/Ubuntu with Node 20: installs what is missing, skips what is there.
#   bash ops/setup.sh          redis-server + npm packages + build (enough for the demo)
#   bash ops/setup.sh --test   the same, plus Debian's chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))"
  exit 1
fi

packages=()
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || packages+=(chromium)
fi

if [ ${#packages[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "please install ${packages[*]} with your package manager (no apt-get here), then run this again"
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "installing ${packages[*]} needs root: run as root or install sudo"; exit 1; }
    sudo="sudo"
  fi
  say "installing ${packages[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# .npmrc skips onnxruntime-node's CUDA download (CPU is bundled). GPU: ONNXRUNTIME_NODE_INSTALL=cuda12 npm install
# `npm install` (not `npm ci`): it installs the locked versions too, and npm 11 here refuses `ci`
# on a lock file without every foreign platform's optional packages.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi

if [ ! -f dist/cli/main.js ] || [ -n "$(find src -newer dist/cli/main.js -name '*.ts' -print -quit)" ]; then
  say "building"
  npm run --silent build
fi
say "ready"
