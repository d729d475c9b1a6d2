"""Turns bench/fetch/run.sh's per-run results (TSV) into the "## Token fetches" Markdown section.

Each line: row, client, round, req/s (cold start: processes/s), CPU µs per request (cold start:
per process), peak RSS KiB, connections nginx saw, of which TLS-resumed, fetches made.
"""

import argparse
import statistics
from collections import defaultdict

ROWS = {
    "http-pinned": "HTTP keep-alive, pinned",
    "http-unpinned": "HTTP keep-alive, unpinned",
    "https-keepalive": "HTTPS keep-alive, pinned",
    "https-new-connection": "HTTPS new connection per fetch, pinned",
    "cold-start": "Cold start (HTTPS), pinned",
}
CLIENTS = {
    "liboauthcc": "liboauthcc (C)",
    "libcurl": "libcurl + jansson (C)",
    "requests": "Python requests",
    "curl-cli": "`curl` CLI",
}


def number(value, digits=0):
    return f"{value:,.{digits}f}".replace(",", " ")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    for option in ("rounds", "seconds", "so-bytes", "load", "pin", "nginx", "curl", "openssl", "jansson", "requests"):
        parser.add_argument("--" + option, required=True)
    args = parser.parse_args()

    runs = defaultdict(list)
    with open(args.results) as results:
        for line in results:
            row, client, _round, rps, cpu, rss, opened, resumed, fetches = line.rstrip("\n").split("\t")
            runs[row, client].append((float(rps), float(cpu), int(rss), int(opened), int(resumed), int(fetches)))

    def median(row, client, field):
        return statistics.median(run[field] for run in runs[row, client])

    print("## Token fetches")
    print()
    print("Reproduce with `make bench` (it runs `bench/fetch/run.sh`, which installs nginx, libcurl, jansson")
    print("and requests itself). Every client fetches tokens in a loop from the same local nginx")
    print(f"({args.nginx}) on loopback, which answers `POST /oauth/token` with a static")
    print("`{\"access_token\":…,\"token_type\":\"Bearer\",\"expires_in\":3600}`; HTTPS uses a test CA")
    print("(RSA 2048) made by the run, TLS 1.3. Clients: liboauthcc through its C API (`oauthcc_client_get_token`,")
    print("`oauthcc_token_access_token`, frees; one client, `transport.caFile`), a C loop over one reused")
    print(f"libcurl {args.curl} easy handle (OpenSSL {args.openssl}, TLS sessions in a share handle) with")
    print(f"jansson {args.jansson} reading `access_token` and `expires_in`, and a `requests.Session` (requests")
    print(f"{args.requests}). Pinned: client and nginx both on CPU {args.pin}; unpinned: neither.")
    print(f"\"New connection per fetch\": nginx closes every connection after its answer (`keepalive_timeout 0`).")
    print("Cold start: process start → client creation (CA file loaded) → first token → exit, a new process each")
    print("time, next to the `curl` CLI; its req/s is processes per second, its CPU µs the whole process.")
    print(f"{args.rounds} interleaved rounds (every client once per row per round, in rotating order),")
    print(f"medians; each fetch run lasts about {args.seconds} s after one untimed first fetch. CPU µs/req: the")
    print("client process's user + sys time (getrusage) over the timed fetches; peak RSS: ru_maxrss.")
    print("Connections opened and resumed TLS sessions are counted from nginx's log (`$connection`,")
    print(f"`$ssl_session_reused`). Load average before the run: {args.load}.")
    print()
    print("| row | client | req/s | × libcurl | CPU µs/req | connections / fetches | peak RSS MiB | resumed TLS sessions |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row, row_name in ROWS.items():
        base = median(row, "libcurl", 0) if runs[row, "libcurl"] else None
        for client, client_name in CLIENTS.items():
            if not runs[row, client]:
                continue
            rps = median(row, client, 0)
            rates = [run[0] for run in runs[row, client]]
            rate = f"{number(rps)}"
            if row == "cold-start":
                rate += f" ({1000 / rps:.2f} ms)"
            else:
                rate += f" ({number(min(rates))}–{number(max(rates))})"
            ratio = f"{rps / base:.2f}×" if base else "—"
            opened, resumed, fetches = (round(median(row, client, field)) for field in (3, 4, 5))
            tls = row.startswith("https") or row == "cold-start"
            print(f"| {row_name} | {client_name} | {rate} | {ratio} | {number(median(row, client, 1), 1)} | "
                  f"{number(opened)} / {number(fetches)} | {median(row, client, 2) / 1024:.1f} | "
                  f"{number(resumed) + ' / ' + number(opened) if tls else '—'} |")
    print()
    print("req/s: median (lowest–highest round). Connections, fetches and resumed sessions: median per run,")
    print("the untimed first fetch included (cold start: one process per fetch, warm-up run included).")
    print()
    size = int(args.so_bytes)
    print(f"Stripped `liboauthcc.so` (`strip` of the release build): {size / 2**20:.2f} MiB ({number(size)} bytes).")


main()
