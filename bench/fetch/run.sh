#!/usr/bin/env bash
# Token fetch benchmark: liboauthcc against a hand-written libcurl + jansson C loop and Python
# requests, all fetching from one local nginx that serves a static token (plain HTTP and HTTPS with
# a test CA made here), plus the cold start of a process next to the curl CLI. Prints the
# "## Token fetches" section of bench/RESULTS.md on stdout (progress on stderr); bench/run.sh
# appends it. Run it with `make bench` (or `bash bench/fetch/run.sh` after `make build`).
#
# Rounds: FETCH_ROUNDS (default 5) interleaved rounds, each running every client once per row in
# a rotating order; a fetch run is sized to about FETCH_SECONDS (default 1.5) from a short
# calibration run. The medians over rounds are reported.
set -euo pipefail
source "$(dirname "$0")/../../tests/scripts/lib.sh"
HERE=$ROOT/bench/fetch
BENCH_VENV=$ROOT/build/bench-venv
ROUNDS=${FETCH_ROUNDS:-5}
RUN_SECONDS=${FETCH_SECONDS:-1.5}
LIB=$ROOT/target/release/liboauthcc.so

bash "$HERE/setup.sh" >&2
[ -f "$LIB" ] || { echo "no $LIB: run make build first" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PY=$BENCH_VENV/bin/python
log() { echo "bench/fetch: $*" >&2; }
if pgrep -x cargo >/dev/null || pgrep -x rustc >/dev/null; then
    log "warning: a cargo build is running on this machine; the figures will be noisy"
fi
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

make_temp_dir
WORK=$TEMP_DIR
BIN=$WORK/bin
mkdir -p "$BIN" "$WORK/nginx/tmp"

# The clients, built as a user would: liboauthcc.so and libcurl.so linked dynamically. The
# library is copied (under its soname) so that a rebuild during the run changes nothing.
CFLAGS=(-std=c99 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror)
mkdir -p "$BIN/lib"
cp "$LIB" "$BIN/lib/liboauthcc.so.0"
ln -s liboauthcc.so.0 "$BIN/lib/liboauthcc.so"
cc "${CFLAGS[@]}" -I"$ROOT/include" "$HERE/fetch_oauthcc.c" -L"$BIN/lib" -loauthcc \
    -Wl,-rpath,"$BIN/lib" -o "$BIN/fetch_oauthcc"
cc "${CFLAGS[@]}" "$HERE/fetch_curl.c" -lcurl -ljansson -o "$BIN/fetch_curl"
cc "${CFLAGS[@]}" "$HERE/cold_start.c" -o "$BIN/cold_start"

# Stripped size of the shared library.
strip -o "$WORK/liboauthcc.stripped.so" "$BIN/lib/liboauthcc.so.0"
SO_BYTES=$(stat -c %s "$WORK/liboauthcc.stripped.so")

# A test CA and a server certificate for 127.0.0.1 (RSA 2048).
N=$WORK/nginx
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$N/ca.key" -out "$N/ca.pem" -days 2 \
    -subj "/CN=liboauthcc bench CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$N/server.key" -out "$N/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$N/server.ext"
openssl x509 -req -in "$N/server.csr" -CA "$N/ca.pem" -CAkey "$N/ca.key" -set_serial 2 -days 2 \
    -extfile "$N/server.ext" -out "$N/server.pem" 2>/dev/null
CA=$N/ca.pem

# nginx on three free loopback ports, in the foreground as a child of this script.
read -r HTTP_PORT HTTPS_PORT HTTPS_CLOSE_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
TOKEN_JSON='{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaC1jbGllbnQiLCJzY29wZSI6InJlYWQifQ.c2lnbmF0dXJlLWJlbmNoLWZldGNoLTAxMjM0NTY3ODk","token_type":"Bearer","expires_in":3600}'
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user nobody nogroup;"
sed -e "s|@PREFIX@|$N|g" -e "s|@USER@|$USER_LINE|" -e "s|@HTTP_PORT@|$HTTP_PORT|" \
    -e "s|@HTTPS_PORT@|$HTTPS_PORT|" -e "s|@HTTPS_CLOSE_PORT@|$HTTPS_CLOSE_PORT|" \
    -e "s|@TOKEN_JSON@|$TOKEN_JSON|g" "$HERE/nginx.conf.in" >"$N/nginx.conf"
chmod 755 "$WORK" "$N"
"$NGINX" -p "$N" -c "$N/nginx.conf" -e "$N/error.log" &
NGINX_PID=$!
SERVER_PIDS+=("$NGINX_PID")
for port in "$HTTP_PORT" "$HTTPS_PORT" "$HTTPS_CLOSE_PORT"; do
    tries=0
    until curl -sf --cacert "$CA" -u bench-client:bench-secret -d grant_type=client_credentials \
        "$([ "$port" = "$HTTP_PORT" ] && echo http || echo https)://127.0.0.1:$port/oauth/token" >/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ]; then log "nginx did not answer on $port"; cat "$N/error.log" >&2; exit 1; fi
        sleep 0.05
    done
done

# Pinning: PIN is the first CPU this script may use; ALL_CPUS every CPU it may use.
PIN=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
ALL_CPUS=$(python3 -c 'import os; print(",".join(map(str, sorted(os.sched_getaffinity(0)))))')
pin_nginx() {
    local pid
    for pid in "$NGINX_PID" $(pgrep -P "$NGINX_PID"); do taskset -a -p -c "$1" "$pid" >/dev/null; done
}

# Rows: name, scheme/port, whether pinned.
ROWS=(http-pinned http-unpinned https-keepalive https-new-connection cold-start)
row_base() {
    case $1 in
        http-*) echo "http://127.0.0.1:$HTTP_PORT" ;;
        https-keepalive | cold-start) echo "https://127.0.0.1:$HTTPS_PORT" ;;
        https-new-connection) echo "https://127.0.0.1:$HTTPS_CLOSE_PORT" ;;
    esac
}
row_clients() {
    if [ "$1" = cold-start ]; then echo "liboauthcc libcurl requests curl-cli"; else echo "liboauthcc libcurl requests"; fi
}
# Sets CMD to the command line of CLIENT against BASE, fetching N tokens after the first.
client_command() {
    local client=$1 base=$2 n=$3 ca=()
    case $base in https:*) ca=("$CA") ;; esac
    case $client in
        liboauthcc) CMD=("$BIN/fetch_oauthcc" "$base" "$n" "${ca[@]}") ;;
        libcurl) CMD=("$BIN/fetch_curl" "$base/oauth/token" "$n" "${ca[@]}") ;;
        requests) CMD=("$PY" "$HERE/fetch_requests.py" "$base/oauth/token" "$n" "${ca[@]}") ;;
        curl-cli) CMD=(curl -sS --fail --noproxy '*' --cacert "$CA" -u bench-client:bench-secret
            -d grant_type=client_credentials "$base/oauth/token") ;;
    esac
}

# Connections nginx logged since line FROM of its log: "opened resumed".
LOG=$N/connections.log
log_lines() { wc -l <"$LOG"; }
connections_since() {
    sleep 0.1 # the last connection's line is written just after its answer
    tail -n +"$(($1 + 1))" "$LOG" | awk '{ n++ } /"r"$/ { r++ } END { printf "%d %d\n", n, r }'
}

RESULTS=$WORK/results.tsv
declare -A COUNT
# One measured run of CLIENT in ROW (round R); appends a line to $RESULTS.
measure() {
    local row=$1 client=$2 round=$3 n=${4:-} base prefix=() from out opened resumed
    base=$(row_base "$row")
    [ "$row" = http-unpinned ] || prefix=(taskset -c "$PIN")
    from=$(log_lines)
    if [ "$row" = cold-start ]; then
        client_command "$client" "$base" 0
        out=$("${prefix[@]}" "$BIN/cold_start" 5 400 1.0 "${CMD[@]}")
        local runs wall_ms cpu_us maxrss_kb
        eval "$out"
        read -r opened resumed < <(connections_since "$from")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$client" "$round" \
            "$(python3 -c "print(1000 / $wall_ms)")" "$cpu_us" "$maxrss_kb" "$opened" "$resumed" "$((runs + 1))" >>"$RESULTS"
    else
        client_command "$client" "$base" "$n"
        out=$("${prefix[@]}" "${CMD[@]}")
        local fetches seconds cpu_us maxrss_kb
        eval "$out"
        read -r opened resumed < <(connections_since "$from")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$client" "$round" \
            "$(python3 -c "print($fetches / $seconds)")" "$cpu_us" "$maxrss_kb" "$opened" "$resumed" "$((fetches + 1))" >>"$RESULTS"
    fi
}

set_pinning() {
    if [ "$1" = http-unpinned ]; then pin_nginx "$ALL_CPUS"; else pin_nginx "$PIN"; fi
}

# Calibration: a short run of every client in every fetch row sizes N to about RUN_SECONDS.
log "calibrating (nginx $($NGINX -v 2>&1 | cut -d/ -f2), ports $HTTP_PORT $HTTPS_PORT $HTTPS_CLOSE_PORT)"
for row in "${ROWS[@]}"; do
    [ "$row" = cold-start ] && continue
    set_pinning "$row"
    for client in $(row_clients "$row"); do
        prefix=()
        [ "$row" = http-unpinned ] || prefix=(taskset -c "$PIN")
        client_command "$client" "$(row_base "$row")" 200
        eval "$("${prefix[@]}" "${CMD[@]}")"
        COUNT[$row.$client]=$(python3 -c "print(max(200, round($fetches / $seconds * $RUN_SECONDS)))")
    done
done

: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    log "round $round of $ROUNDS"
    for row in "${ROWS[@]}"; do
        set_pinning "$row"
        read -r -a clients <<<"$(row_clients "$row")"
        k=${#clients[@]}
        for i in $(seq 0 $((k - 1))); do
            client=${clients[$(((i + round - 1) % k))]}
            measure "$row" "$client" "$round" "${COUNT[$row.$client]:-}"
        done
    done
done
pin_nginx "$ALL_CPUS"

python3 "$HERE/report.py" "$RESULTS" \
    --rounds "$ROUNDS" --seconds "$RUN_SECONDS" --so-bytes "$SO_BYTES" --load "$LOAD" --pin "$PIN" \
    --nginx "$($NGINX -v 2>&1 | cut -d/ -f2)" \
    --curl "$(curl-config --version | cut -d' ' -f2)" \
    --openssl "$(openssl version | cut -d' ' -f2)" \
    --jansson "$(sed -n 's/^#define JANSSON_VERSION *"\(.*\)"/\1/p' /usr/include/jansson.h)" \
    --requests "$("$PY" -c 'import requests, sys; print(requests.__version__, "on Python", sys.version.split()[0])')"
