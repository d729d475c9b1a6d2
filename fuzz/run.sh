#!/usr/bin/env bash
# Fuzzes each target for SECONDS (default 20) with cargo-fuzz (libFuzzer), starting from the
# seeds in fuzz/seeds. CI runs it short; for a long run: bash fuzz/run.sh 3600
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP lets the stable toolchain provide them.
set -euo pipefail
seconds=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked
cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1
for target in config response c_api; do
    corpus=$root/build/fuzz-corpus/$target
    mkdir -p "$corpus"
    log=$root/build/fuzz-$target.log
    echo "== fuzzing $target for $seconds s"
    if cargo fuzz run --release "$target" "$corpus" "$root/fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$log" || tail -n 3 "$log"
    else
        cat "$log" >&2
        echo "fuzz target $target failed; the input is in fuzz/artifacts/$target" >&2
        exit 1
    fi
done
