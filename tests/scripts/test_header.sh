#!/usr/bin/env bash
# The generated header compiles cleanly as C99 and as C++11, and the shared library exports
# nothing but oauthcc_* symbols.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BUILD=$ROOT/build/header
mkdir -p "$BUILD"
printf '#include "oauthcc.h"\nint main(void) { return oauthcc_version() == 0; }\n' > "$BUILD/use.c"
cp "$BUILD/use.c" "$BUILD/use.cpp"
cc -std=c99 -Wall -Wextra -Werror -pedantic -I"$ROOT/include" -c "$BUILD/use.c" -o "$BUILD/use_c.o"
c++ -std=c++11 -Wall -Wextra -Werror -pedantic -I"$ROOT/include" -c "$BUILD/use.cpp" -o "$BUILD/use_cpp.o"
echo "header: compiles as C99 and C++11"

exported=$(nm -D --defined-only "$ROOT/target/release/liboauthcc.so" | awk '{print $3}')
stray=$(grep -v '^oauthcc_' <<<"$exported" || true)
if [ -n "$stray" ]; then
    echo "liboauthcc.so exports symbols outside the oauthcc_ namespace:" >&2
    echo "$stray" >&2
    exit 1
fi
# Every function the header declares is exported, and nothing else.
declared=$(grep -oE '\boauthcc_[a-z_]+\(' "$ROOT/include/oauthcc.h" | tr -d '(' | sort -u)
if [ "$declared" != "$(sort -u <<<"$exported")" ]; then
    echo "exported symbols differ from the header's functions:" >&2
    diff <(echo "$declared") <(sort -u <<<"$exported") >&2
    exit 1
fi
echo "symbols: $(wc -l <<<"$exported") exported, all oauthcc_* and all declared"
# Every macro and every function the header declares is in the library's namespace: a C program
# that includes it gets no other name.
foreign=$(grep -E '^#define |\(' "$ROOT/include/oauthcc.h" | grep -vE '^ *(\*|/\*|//)' \
    | grep -oE '^#define [A-Za-z_0-9]+|\b[A-Za-z_][A-Za-z_0-9]*\(' | sed 's/^#define //; s/($//' \
    | grep -vE '^(OAUTHCC_|oauthcc_)|^(const|void|char|int|int32_t|int64_t|size_t|bool|defined)$' || true)
if [ -n "$foreign" ]; then
    echo "the header declares names outside the oauthcc namespace:" >&2
    echo "$foreign" >&2
    exit 1
fi
echo "header: every declared name is OAUTHCC_* or oauthcc_*"
