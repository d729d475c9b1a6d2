#!/usr/bin/env bash
# Installs into a temporary prefix, checks the install layout, builds the C examples with
# pkg-config (-Wall -Wextra -Werror), and runs them against the project's token server and
# against oauth2-mock-server.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1" >&2; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

install_to_temp_prefix
lib=$PREFIX_DIR/lib
check "soname symlink chain" test "$(readlink "$lib/liboauthcc.so")" = liboauthcc.so.0 -a "$(readlink "$lib/liboauthcc.so.0")" = liboauthcc.so.0.1.0
check "soname recorded in the library" grep -q 'liboauthcc.so.0' <(readelf -d "$lib/liboauthcc.so.0.1.0")
check "static library installed" test -f "$lib/liboauthcc.a"
check "header installed" cmp -s "$PREFIX_DIR/include/oauthcc.h" "$ROOT/include/oauthcc.h"
check "pkg-config finds oauthcc" test "$(pkg-config --modversion oauthcc)" = 0.1.0

make_temp_dir
work=$TEMP_DIR
make -s -C "$ROOT/bindings/c" BUILD="$work/bin" >/dev/null
check "examples built with pkg-config" test -x "$work/bin/get_token" -a -x "$work/bin/api_client"
# Static link against liboauthcc.a, with the libraries pkg-config --static lists.
cc -std=c99 -Wall -Wextra -Werror $(pkg-config --cflags oauthcc) "$ROOT/bindings/c/examples/get_token.c" \
    -o "$work/get_token_static" "$lib/liboauthcc.a" $(pkg-config --static --libs-only-l oauthcc | sed 's/-loauthcc//')
check "static link needs no shared liboauthcc" bash -c "! ldd '$work/get_token_static' | grep -q liboauthcc"

# Against the project's own token server.
start_token_server
write_config "$TOKEN_SERVER_URL" "$work/good.json" demo-client demo-secret
write_config "$TOKEN_SERVER_URL" "$work/bad.json" demo-client wrong-secret
"$work/bin/get_token" "$work/good.json" read write >"$work/token.json"
check "get_token prints a scoped token" grep -q '"scope":"read write"' "$work/token.json"
check "get_token prints expires_at" grep -qE '"expires_at":"[0-9T:.-]+Z"' "$work/token.json"
"$work/get_token_static" "$work/good.json" >"$work/token_static.json"
check "statically linked get_token works" grep -q '"access_token"' "$work/token_static.json"
if "$work/bin/get_token" "$work/bad.json" >"$work/out" 2>"$work/err"; then not_ok "bad secret fails"; else ok "bad secret fails"; fi
check "failure names the status" grep -qx OAUTHCC_OAUTH_ERROR "$work/err"
check "failure prints the error record" grep -q '"error":"invalid_client"' "$work/err"
check "failure record hides the secret" bash -c "! grep -q wrong-secret '$work/err'"
# Prints the HTTP status of GET $1 with the access token in the token JSON file $2.
api_status() {
    python3 - "$1" "$2" <<'PY'
import json, sys, urllib.error, urllib.request
token = json.load(open(sys.argv[2]))["access_token"]
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + token})
try:
    print(urllib.request.urlopen(request, timeout=5).status)
except urllib.error.HTTPError as error:
    print(error.code)
PY
}
"$work/bin/get_token" --revoke "$work/good.json" read >"$work/revoked.json"
check "get_token --revoke: the API refuses the revoked token" test "$(api_status "$TOKEN_SERVER_URL/api/hello" "$work/revoked.json")" = 401
check "an unrevoked token is still accepted" test "$(api_status "$TOKEN_SERVER_URL/api/hello" "$work/token.json")" = 200
"$work/bin/api_client" "$work/good.json" "$TOKEN_SERVER_URL/api/hello" 4 >"$work/api.out"
check "api_client reuses one token for 4 calls" grep -qx '4 of 4 calls succeeded with 1 token fetch(es)' "$work/api.out"

# Against oauth2-mock-server, a third-party implementation.
start_mock_server
write_config "$MOCK_SERVER_URL" "$work/mock.json" any-client any-secret ',"tokenPath":"/token","revokePath":"/revoke"'
"$work/bin/get_token" "$work/mock.json" read write >"$work/mock_token.json"
check "oauth2-mock-server: scoped token" grep -q '"scope":"read write"' "$work/mock_token.json"
check "oauth2-mock-server: JWT access token" grep -qE '"access_token":"ey[^".]+\.[^".]+\.' "$work/mock_token.json"
"$work/bin/api_client" "$work/mock.json" "$MOCK_SERVER_URL/userinfo" 2 >"$work/mock_api.out"
check "oauth2-mock-server: token used on /userinfo" grep -qx '2 of 2 calls succeeded with 1 token fetch(es)' "$work/mock_api.out"
check "oauth2-mock-server: token revoked (empty 200 is success)" \
    bash -c "'$work/bin/get_token' --revoke '$work/mock.json' read >/dev/null"

echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
