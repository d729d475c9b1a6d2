"""set_log_callback from any thread at any time, and a trampoline that never raises into C."""

import os
import subprocess
import sys
import threading

import pytest

import oauthcc
from oauthcc import ClientCredentials

# Threads log one line per call (a refused connection) while the main thread swaps callbacks;
# a callback called after the swap that replaced it returned is reported.
SWAPPING_SCRIPT = """
import sys, threading
import oauthcc

swaps, threads_count = int(sys.argv[1]), int(sys.argv[2])
config = {"client": {"id": "a"}, "auth": {"tokenHost": "http://127.0.0.1:1"},
          "transport": {"retry": {"maxAttempts": 1}}}
stop = threading.Event()
replaced = set()
late_calls = []


def log_until_stopped():
    with oauthcc.ClientCredentials(config) as client:
        while not stop.is_set():
            try:
                client.get_token()
            except oauthcc.TransportError:
                pass


def callback_number(number):
    def callback(level, message):
        if number in replaced:
            late_calls.append(number)
    return callback


threads = [threading.Thread(target=log_until_stopped) for _ in range(threads_count)]
for thread in threads:
    thread.start()
for number in range(swaps):
    oauthcc.set_log_callback(callback_number(number), oauthcc.LogLevel.DEBUG)
    replaced.add(number - 1)
stop.set()
for thread in threads:
    thread.join(10)
oauthcc.set_log_callback(None)
print("late calls:", late_calls[:5], "threads left:", sum(thread.is_alive() for thread in threads))
"""


# Connections to it are refused at once; each attempt logs a line.
REFUSING = {"client": {"id": "a"}, "auth": {"tokenHost": "http://127.0.0.1:1"},
            "transport": {"retry": {"maxAttempts": 1}}}


def run_script(tmp_path, script: str, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "script.py"
    path.write_text(script)
    return subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONFAULTHANDLER="1"))


@pytest.mark.parametrize("run", range(2))  # before the fix 20 runs in 20 crashed or corrupted memory
def test_swapping_callbacks_while_threads_log(tmp_path, run):
    result = run_script(tmp_path, SWAPPING_SCRIPT, "10000", "8")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "late calls: [] threads left: 0\n"


def test_setting_the_callback_from_a_log_callback_is_refused(log_callback):
    refusals = []

    def replace_myself(level, message):
        try:
            oauthcc.set_log_callback(None)
        except RuntimeError as error:
            refusals.append(str(error))

    log_callback(replace_myself)
    with ClientCredentials(REFUSING) as client, pytest.raises(oauthcc.TransportError):
        client.get_token()
    assert refusals and refusals[0] == "set_log_callback cannot be called from a log callback"


@pytest.mark.parametrize("exception", [ValueError("bug"), SystemExit(1), KeyboardInterrupt()],
                         ids=["ValueError", "SystemExit", "KeyboardInterrupt"])
def test_a_raising_callback_raises_nothing_into_c(log_callback, monkeypatch, exception):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    calls = []

    def raise_it(level, message):
        calls.append(message)
        raise exception

    log_callback(raise_it)
    with ClientCredentials(REFUSING) as client, pytest.raises(oauthcc.TransportError):
        client.get_token()
    assert calls and unraisable == []
