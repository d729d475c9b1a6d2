#!/usr/bin/env bash
# Every test of liboauthcc. Called by `make test` (after the release build) and by .ci/run.
set -euo pipefail
here=$(dirname "$0")
bash "$here/setup.sh"
# Everything is installed; from here on every test talks to this machine only, never through a
# proxy the environment may name (the proxy tests set their own).
unset ALL_PROXY all_proxy HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy
echo "== Rust: unit, integration, header freshness"
cargo test --locked
echo "== C: header as C99/C++11, exported symbols"
bash "$here/test_header.sh"
echo "== C: every exported function, under valgrind"
bash "$here/test_c.sh"
echo "== Python binding"
bash "$here/test_python.sh"
echo "== Install layout and C examples (project server and oauth2-mock-server)"
bash "$here/test_examples.sh"
echo "== Fuzzing: a short run of each target (long runs: bash fuzz/run.sh 3600)"
bash "$here/../../fuzz/run.sh" "${OAUTHCC_FUZZ_SECONDS:-20}"
