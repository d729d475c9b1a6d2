"""Token fetch loop a Python user might write: one requests.Session (connections kept alive),
POST grant_type=client_credentials with Basic auth, the JSON read; 1 + N fetches, the first untimed.

    python fetch_requests.py TOKEN_URL N [CA_FILE]     (N = 0: a cold start, one token and exit)
"""

import resource
import sys
import time

import requests


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    url, n = sys.argv[1], int(sys.argv[2])
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment, as the C clients
    session.auth = ("bench-client", "bench-secret")
    if len(sys.argv) > 3:
        session.verify = sys.argv[3]
    form = {"grant_type": "client_credentials"}

    def fetch():
        answer = session.post(url, data=form, timeout=30)
        answer.raise_for_status()
        token = answer.json()
        if not token["access_token"] or int(token["expires_in"]) <= 0:
            raise SystemExit("bad token")

    fetch()
    wall, started = time.perf_counter(), cpu()
    for _ in range(n):
        fetch()
    wall, spent = time.perf_counter() - wall, cpu() - started
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"fetches={n} seconds={wall:.6f} cpu_us={spent * 1e6 / n if n else 0:.3f} maxrss_kb={maxrss}")


main()
