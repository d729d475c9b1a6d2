"""Retries, the error record's retry fields, and the log callback, through the binding."""

import pytest

import oauthcc
from oauthcc import ClientCredentials, HTTPError, InvalidResponseError, TransportError


def client(config, path):
    config["auth"]["tokenPath"] = path
    config["transport"] = {"retry": {"initialDelay": 10, "maxDelay": 50}}
    return ClientCredentials(config)


def test_transient_failures_are_retried(config):
    with client(config, "/flaky") as flaky:
        assert flaky.get_token().access_token
    with client(config, "/busy") as busy:
        assert busy.get_token().access_token


def test_retry_fields_in_exceptions(config):
    with client(config, "/error/html") as html, pytest.raises(HTTPError) as raised:
        html.get_token()
    assert raised.value.retryable and raised.value.retry_after is None
    with client(config, "/reset") as reset, pytest.raises(TransportError) as raised:
        reset.get_token()
    assert raised.value.retryable
    with client(config, "/truncated") as truncated, pytest.raises(InvalidResponseError) as raised:
        truncated.get_token()
    assert not raised.value.retryable


def test_plain_http_to_a_remote_host_needs_the_opt_in():
    with pytest.raises(oauthcc.ConfigurationError, match="transport.allowInsecureHttp"):
        ClientCredentials({"client": {"id": "a"}, "auth": {"tokenHost": "http://auth.example.com"}})


def test_log_callback_levels(config, log_callback):
    lines = []
    log_callback(lambda level, message: lines.append((level, message)), oauthcc.LogLevel.WARN)
    with client(config, "/flaky") as flaky:
        flaky.get_token()
    assert any(level == oauthcc.LogLevel.WARN and "retrying in" in message for level, message in lines)
    assert all(level <= oauthcc.LogLevel.WARN for level, _ in lines)
