"""Benchmark: cached-token reads through the Python binding (ctypes), µs per call, median of 5."""

import statistics
import sys
import timeit

from oauthcc import ClientCredentials

config = {"client": {"id": "demo-client", "secret": "demo-secret"}, "auth": {"tokenHost": sys.argv[1]}}
with ClientCredentials(config) as client, client.cache_slot({"scope": "read"}) as slot:
    slot.bearer()
    cases = {
        "`CacheSlot.bearer()`": (slot.bearer, 100_000),
        "`ClientCredentials.get_cached_token(...).access_token`":
            (lambda: client.get_cached_token({"scope": "read"}).access_token, 20_000),
    }
    print("| call | µs/call |")
    print("|---|---:|")
    for name, (call, number) in cases.items():
        runs = timeit.repeat(call, number=number, repeat=5)
        print(f"| {name} | {statistics.median(runs) / number * 1e6:.2f} |")
