#!/usr/bin/env bash
# Builds the C test programs against the shared library (-Wall -Wextra -Werror) and runs them
# against the local token server, under valgrind when it is installed (always in CI).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BUILD=$ROOT/build/c-tests
# Stage the freshly built library under its soname, as an install would.
LIB_DIR=$BUILD/lib
mkdir -p "$LIB_DIR"
ln -sf "$ROOT/target/release/liboauthcc.so" "$LIB_DIR/liboauthcc.so"
ln -sf "$ROOT/target/release/liboauthcc.so" "$LIB_DIR/liboauthcc.so.0"
for test in test_ffi test_fork test_embedding; do
    cc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -pedantic -g -I"$ROOT/include" \
        "$ROOT/tests/c/$test.c" -L"$LIB_DIR" -Wl,-rpath,"$LIB_DIR" -loauthcc -lpthread -o "$BUILD/$test"
done
start_token_server
runner=()
if command -v valgrind >/dev/null; then
    runner=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
            --show-leak-kinds=definite)
elif [ -n "${CI:-}" ]; then
    echo "valgrind is required in CI" >&2; exit 1
fi
"${runner[@]}" "$BUILD/test_ffi" "$TOKEN_SERVER_URL"
# The embedding contract (pthread_cancel, pthread_exit from a callback, re-entrant, blocking and
# replaced callbacks), under valgrind too: each case runs in a forked child, which valgrind follows
# by itself; a child with memory errors (a callback called after its data was freed) exits 99, and
# the parent reports every child's exit status or signal. Its watchdog turns a hang into a failure.
"${runner[@]}" "$BUILD/test_embedding" "$TOKEN_SERVER_URL"
# The fork test is about deadlocks, not leaks: the child _exits holding what its parent made.
"$BUILD/test_fork" "$TOKEN_SERVER_URL"
