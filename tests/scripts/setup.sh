#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh machine: C tools (valgrind, pkg-config),
# a Python virtualenv with pytest and the binding, and (unless --no-npm, for the demo)
# oauth2-mock-server from the npm registry, cargo-fuzz and every crate the tests build.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

missing=()
for tool in cc pkg-config valgrind; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    packages=()
    for tool in "${missing[@]}"; do
        case $tool in cc) packages+=(gcc g++) ;; *) packages+=("$tool") ;; esac
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    else
        echo "please install: ${packages[*]}" >&2
        exit 1
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "pytest>=7"
"$VENV/bin/pip" install -q --disable-pip-version-check "$ROOT/bindings/python"

if [ "${1:-}" = "--no-npm" ]; then
    exit 0
fi
if [ ! -x "$ROOT/tests/mock/node_modules/.bin/oauth2-mock-server" ]; then
    (cd "$ROOT/tests/mock" && npm ci --no-audit --no-fund --loglevel=error)
fi
if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --version 0.13.2 --locked
fi
cargo fetch --locked --manifest-path "$ROOT/Cargo.toml"
cargo fetch --locked --manifest-path "$ROOT/fuzz/Cargo.toml"
