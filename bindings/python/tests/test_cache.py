"""The token cache through the Python binding."""

import threading

import pytest

from oauthcc import ClientCredentials, OAuthError


def test_cached_token_is_reused_across_threads(config, server_url):
    with ClientCredentials(config) as client:
        results = []
        barrier = threading.Barrier(16)

        def work():
            barrier.wait()
            results.append(client.get_cached_token({"scope": ["read", "write"]}).access_token)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 16 and len(set(results)) == 1
        stats = client.cache_stats({"scope": "write read"})
        assert stats["cached"] and stats["fetches"] == 1 and stats["last_error"] is None


def test_invalidate_fetches_a_new_token(config):
    with ClientCredentials(config) as client:
        first = client.get_cached_token({"scope": "read"}).access_token
        assert client.get_cached_token({"scope": "read"}).access_token == first
        client.invalidate({"scope": "read"})
        assert client.get_cached_token({"scope": "read"}).access_token != first


def test_slot_bearer_and_its_buffer_growth(config):
    with ClientCredentials(config) as client, client.cache_slot({"scope": "read"}) as slot:
        slot._buffer = slot._buffer.__class__(4)  # force the too-small path once
        bearer = slot.bearer()
        assert bearer == slot.bearer() == slot.token().access_token
        slot.invalidate()
        assert slot.bearer() != bearer


def test_cache_failures_are_recorded_and_back_off(config):
    config["client"]["secret"] = "wrong"
    with ClientCredentials(config) as client:
        with pytest.raises(OAuthError):
            client.get_cached_token()
        with pytest.raises(OAuthError, match="backing off"):
            client.get_cached_token()
        stats = client.cache_stats()
        assert stats["failures"] == 1 and stats["fetches"] == 1
        assert stats["last_error"]["error"] == "invalid_client"
        assert stats["retry_in_ms"] > 0
