#!/usr/bin/env bash
# The one-command demo: builds liboauthcc, starts a local token server, gets a real token through
# the C example and through the Python binding, shows both, and stops the server.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Setting up (C tools, Python virtualenv with the binding)"
bash "$ROOT/tests/scripts/setup.sh" --no-npm

step "Installing liboauthcc into a temporary prefix and building the C examples with pkg-config"
install_to_temp_prefix
make_temp_dir
work=$TEMP_DIR
make -s -C "$ROOT/bindings/c" BUILD="$work/bin" >/dev/null
ls "$PREFIX_DIR/lib" "$PREFIX_DIR/include"

step "Starting the local token server"
start_token_server --client-id demo-client --client-secret demo-secret
echo "token server: $TOKEN_SERVER_URL"
write_config "$TOKEN_SERVER_URL" "$work/config.json" demo-client demo-secret
echo "config: $(cat "$work/config.json")"

step "C: get_token config.json read write"
"$work/bin/get_token" "$work/config.json" read write

step "C: api_client (reuses the token until 5 minutes before expiry)"
"$work/bin/api_client" "$work/config.json" "$TOKEN_SERVER_URL/api/hello" 3

step "Python: oauthcc.ClientCredentials(...).get_token({'scope': ['read']})"
"$VENV/bin/python" - "$work/config.json" <<'PY'
import json, sys
import oauthcc
with open(sys.argv[1]) as f:
    config = json.load(f)
with oauthcc.ClientCredentials(config) as client:
    token = client.get_token({"scope": ["read"]})
print("liboauthcc", oauthcc.__version__)
print("access_token:", token.access_token)
print("expires_at:  ", token.token["expires_at"].isoformat())
print("expired in 5 minutes?", token.expired(window=300))
print(json.dumps(token.to_json(), indent=2))
PY

step "Done: stopping the token server"
