"""Closing a handle while calls are using it: close() waits for calls in flight, calls made after
it raise ValueError, and a log callback may close the very handle its call is using."""

import sys
import threading
import time
from typing import Any, Callable, Tuple

import pytest

import oauthcc
from oauthcc import ClientCredentials
from oauthcc._native import lib

WAIT = 10  # seconds: the bound of every wait below; nothing here should take near that long


class Call(threading.Thread):
    """Runs `function` once on its own thread; `outcome` is its result or its exception."""

    def __init__(self, function: Callable[[], Any]):
        super().__init__(daemon=True)  # a hung call must not keep pytest from exiting
        self.function = function
        self.outcome: Any = None

    def run(self) -> None:
        try:
            self.outcome = self.function()
        except BaseException as error:
            self.outcome = error


class GatedFunction:
    """Stands in for a C function: a call enters, waits at the gate, then runs the real function.
    While it waits it is a call in flight on its handle, as a slow request would be."""

    def __init__(self, monkeypatch, name: str):
        self.real = getattr(lib, name)
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.returned = threading.Event()
        monkeypatch.setattr(lib, name, self)

    def __call__(self, *args):
        self.entered.set()
        assert self.gate.wait(WAIT), "the test never opened the gate"
        try:
            return self.real(*args)
        finally:
            self.returned.set()


def open_handle(kind: str, client: ClientCredentials) -> Tuple[Any, Callable[[], Any], str, Callable[[], Any]]:
    """A handle of this kind; a call on it for the test to hold in flight and the C function that
    call makes; a quick call that tells whether the handle is open."""
    if kind == "client":
        return client, client.get_token, "oauthcc_client_get_token", client.cache_stats
    if kind == "cache slot":
        slot = client.cache_slot({"scope": "read"})
        return slot, slot.bearer, "oauthcc_cache_slot_bearer", slot.invalidate
    token = client.create_token({"access_token": "a"})
    return token, lambda: token.access_token, "oauthcc_token_access_token", token.expired


def refuses_calls(quick_call: Callable[[], Any]) -> bool:
    try:
        quick_call()
    except ValueError as error:
        assert "is closed" in str(error)
        return True
    return False


def wait_until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize("kind", ["client", "cache slot", "token"])
def test_close_waits_for_the_call_in_flight_and_refuses_new_ones(config, monkeypatch, kind):
    with ClientCredentials(config) as client:
        handle, slow_call, function_name, quick_call = open_handle(kind, client)
        in_flight = GatedFunction(monkeypatch, function_name)
        call = Call(slow_call)
        call.start()
        assert in_flight.entered.wait(WAIT)

        def close_and_tell_whether_the_call_had_returned() -> bool:
            handle.close()
            return in_flight.returned.is_set()

        closing = Call(close_and_tell_whether_the_call_had_returned)
        closing.start()

        assert wait_until(lambda: refuses_calls(quick_call)), "close() began: new calls are refused"
        closing.join(0.2)  # time for a close() that does not wait to return (and free the handle)
        assert closing.is_alive(), "close() waits while the call is in flight"
        in_flight.gate.set()
        closing.join(WAIT)
        call.join(WAIT)
        assert not closing.is_alive() and not call.is_alive()
        assert closing.outcome is True, "close() returned only after the call had"
        assert not isinstance(call.outcome, BaseException), call.outcome
        with pytest.raises(ValueError, match=f"this {kind} is closed"):
            slow_call()


@pytest.fixture
def frequent_thread_switches():
    """Threads interleave every 10 µs instead of every 5 ms, so races show up sooner."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def call_until_closed(call: Callable[[], Any], expected: Any, start: threading.Barrier, wrong: list) -> None:
    start.wait(WAIT)
    while True:
        try:
            answer = call()
        except ValueError:
            return
        if expected is not None and answer != expected:
            wrong.append(answer)
            return


def test_handles_closed_while_threads_call_them(config, frequent_thread_switches):
    wrong: list = []
    for _ in range(1000):  # before the fix, 200 repeats crashed 9 times in 10; 1000 crashed every time
        client = ClientCredentials(config)
        token = client.create_token({"access_token": "abc"})
        calls = [(client.cache_stats, None), (lambda: client.invalidate({"scope": "x"}), None),
                 (lambda: token.access_token, "abc"), (lambda: token.to_json()["access_token"], "abc")]
        start = threading.Barrier(len(calls) + 1)
        threads = [threading.Thread(target=call_until_closed, args=(*call, start, wrong), daemon=True)
                   for call in calls]
        for thread in threads:
            thread.start()
        start.wait(WAIT)
        client.close()
        token.close()
        for thread in threads:
            thread.join(WAIT)
        assert not any(thread.is_alive() for thread in threads)
    assert wrong == []


def test_a_log_callback_may_close_the_client_its_call_uses(config, log_callback):
    config["auth"]["tokenPath"] = "/error/html"  # 502: retried, and the retry is logged
    config["transport"] = {"retry": {"maxAttempts": 2, "initialDelay": 1, "maxDelay": 1}}
    client = ClientCredentials(config)
    freed_inside_the_call = []

    def close_the_client(level, message):
        if "retrying in" in message:
            client.close()
            # The free is not visible through the API: ask the handle's finalizer.
            freed_inside_the_call.append(not client._handle._finalizer.alive)

    log_callback(close_the_client, oauthcc.LogLevel.WARN)
    call = Call(client.get_token)
    call.start()
    call.join(WAIT)
    assert not call.is_alive(), "close() from inside the call deadlocked"
    assert freed_inside_the_call == [False], "the free waits until the call has left"
    assert isinstance(call.outcome, oauthcc.HTTPError) and call.outcome.http_status == 502
    assert not client._handle._finalizer.alive, "the last call out freed the client"
    with pytest.raises(ValueError, match="this client is closed"):
        client.get_token()
