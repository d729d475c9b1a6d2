#!/usr/bin/env bash
# Runs the cache benchmarks (release build) against the local token server, then the token
# fetch benchmark (bench/fetch/run.sh: nginx, libcurl, requests, installed by bench/fetch/setup.sh),
# and writes bench/RESULTS.md. Usage: make bench
set -euo pipefail
source "$(dirname "$0")/../tests/scripts/lib.sh"
bash "$ROOT/tests/scripts/setup.sh" --no-npm
make_temp_dir
cc -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -I"$ROOT/include" "$ROOT/bench/cache_read.c" \
    "$ROOT/target/release/liboauthcc.a" -lpthread -ldl -lm -o "$TEMP_DIR/cache_read"
start_token_server
{
    echo "# Benchmarks: cache reads and token fetches"
    echo
    echo "Written by \`make bench\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m),"
    echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); liboauthcc $(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n1)."
    echo
    echo "## C (thread CPU time per read, median over threads, median of 5 runs)"
    echo
    "$TEMP_DIR/cache_read" "$TOKEN_SERVER_URL"
    echo
    echo "## Python (ctypes)"
    echo
    "$VENV/bin/python" "$ROOT/bench/cache_read.py" "$TOKEN_SERVER_URL"
} | tee "$ROOT/bench/RESULTS.md"

# The fetch section is appended only once it is complete.
FETCH_SECTION=$TEMP_DIR/fetch.md
bash "$ROOT/bench/fetch/run.sh" >"$FETCH_SECTION"
{ echo; cat "$FETCH_SECTION"; } | tee -a "$ROOT/bench/RESULTS.md"
