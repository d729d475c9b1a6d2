# Shared helpers for the test scripts: source it, then call start_token_server.
# The server is stopped when the sourcing script exits.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SERVER_PIDS=()

stop_servers() {
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    SERVER_PIDS=()
}
trap stop_servers EXIT

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
