#!/usr/bin/env bash
# Installs what the token-fetch benchmark needs on a fresh Debian machine: nginx (the token
# endpoint), libcurl with OpenSSL and jansson (the hand-written C loop), curl and openssl (the CLI
# cold start and the test CA), and Python requests in its own virtualenv (build/bench-venv).
# Safe to run again: each step is skipped when already done. Not part of `make test`.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_VENV=$ROOT/build/bench-venv

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
command -v taskset >/dev/null || missing+=(util-linux)
command -v cc >/dev/null || missing+=(gcc)
[ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -f /usr/include/curl/curl.h ] ||
    ls /usr/include/*/curl/curl.h >/dev/null 2>&1 || missing+=(libcurl4-openssl-dev)
[ -f /usr/include/jansson.h ] || missing+=(libjansson-dev)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "bench/fetch: installing ${missing[*]}" >&2
        apt-get update -qq
        # Where an init system runs, Debian's nginx package also starts its system service; the
        # benchmark does not use it (it runs its own nginx in a temporary prefix).
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "please install: ${missing[*]}" >&2
        exit 1
    fi
fi

if [ ! -x "$BENCH_VENV/bin/python" ]; then
    python3 -m venv "$BENCH_VENV"
fi
"$BENCH_VENV/bin/python" -c 'import requests' 2>/dev/null ||
    "$BENCH_VENV/bin/pip" install -q --disable-pip-version-check "requests>=2.31"
