# Shared helpers for the test scripts: source it, then call start_token_server.
# The server is stopped when the sourcing script exits.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=$ROOT/build/venv
SERVER_PIDS=()
TEMP_DIRS=()

# Stops the servers this script started and removes its temporary folders.
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    SERVER_PIDS=()
    for dir in "${TEMP_DIRS[@]}"; do rm -rf "$dir"; done
    TEMP_DIRS=()
}
trap cleanup EXIT

# A temporary folder removed on exit, in TEMP_DIR.
make_temp_dir() {
    TEMP_DIR=$(mktemp -d)
    TEMP_DIRS+=("$TEMP_DIR")
}

# Waits (bounded) until FILE exists and is non-empty.
wait_for_file() {
    local file=$1 tries=0
    until [ -s "$file" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 200 ]; then echo "timed out waiting for $file" >&2; return 1; fi
        sleep 0.05
    done
}

# Starts the project's token server on a free port; sets TOKEN_SERVER_URL.
start_token_server() {
    local port_file
    port_file=$(mktemp)
    rm -f "$port_file"
    python3 "$ROOT/tests/server/token_server.py" --port-file "$port_file" "$@" >/dev/null &
    SERVER_PIDS+=($!)
    wait_for_file "$port_file" || return 1
    TOKEN_SERVER_URL="http://127.0.0.1:$(cat "$port_file")"
    rm -f "$port_file"
    export TOKEN_SERVER_URL
}

# Starts oauth2-mock-server (from tests/mock) on a free port; sets MOCK_SERVER_URL.
start_mock_server() {
    local log
    log=$(mktemp)
    "$ROOT/tests/mock/node_modules/.bin/oauth2-mock-server" -a 127.0.0.1 -p 0 >"$log" 2>&1 &
    SERVER_PIDS+=($!)
    local tries=0
    until grep -q 'listening on' "$log"; do
        tries=$((tries + 1))
        if [ "$tries" -gt 400 ]; then echo "oauth2-mock-server did not start:" >&2; cat "$log" >&2; return 1; fi
        sleep 0.05
    done
    MOCK_SERVER_URL=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$log" | head -n 1)
    rm -f "$log"
    export MOCK_SERVER_URL
}

# Installs the release library into a fresh temporary prefix; sets PREFIX_DIR and PKG_CONFIG_PATH.
install_to_temp_prefix() {
    make_temp_dir
    PREFIX_DIR=$TEMP_DIR
    make -s -C "$ROOT" install PREFIX="$PREFIX_DIR" >/dev/null
    export PKG_CONFIG_PATH="$PREFIX_DIR/lib/pkgconfig"
}

# Writes a client config for the server at $1 to the file $2 (id and secret as $3 and $4).
write_config() {
    printf '{"client":{"id":"%s","secret":"%s"},"auth":{"tokenHost":"%s"%s}}\n' "$3" "$4" "$1" "${5:-}" >"$2"
}
