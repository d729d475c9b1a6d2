import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

import oauthcc
from oauthcc import (AccessToken, ClientCredentials, ConfigurationError, HTTPError, InvalidArgumentError,
                     InvalidResponseError, OAuthError, OAuthccError, TransportError)


def call_api(server_url, access_token):
    request = urllib.request.Request(f"{server_url}/api/hello", headers={"Authorization": f"Bearer {access_token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_version_matches_the_library():
    assert oauthcc.__version__ == "0.1.0"


def test_get_token_with_scopes_and_use_it(config, server_url):
    with ClientCredentials(config) as client:
        token = client.get_token({"scope": ["read", "write"], "audience": "api"})
    fields = token.token
    assert fields["scope"] == "read write"
    assert fields["token_type"] == "Bearer"
    assert isinstance(fields["expires_at"], datetime)
    assert fields["expires_at"].tzinfo is not None
    remaining = fields["expires_at"] - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < remaining <= timedelta(hours=1)
    assert token.access_token == fields["access_token"]
    assert not token.expired()
    assert token.expired(window=7200)
    assert call_api(server_url, token.access_token) == 200


def test_to_json_round_trips_through_create_token(config):
    with ClientCredentials(config) as client:
        token = client.get_token()
        stored = token.to_json()
        assert stored["expires_at"].endswith("Z")
        restored = client.create_token(json.loads(json.dumps(stored)))
        assert restored.to_json() == stored


def test_refresh_and_revoke(config, server_url):
    client = ClientCredentials(config)
    token = client.get_token({"scope": "read"})
    client.close()  # tokens outlive their client
    refreshed = token.refresh()
    assert refreshed.access_token != token.access_token
    assert refreshed.token["refresh_token"] == token.token["refresh_token"]
    refreshed.revoke("access_token")
    assert call_api(server_url, refreshed.access_token) == 401
    assert call_api(server_url, token.access_token) == 200
    token.revoke_all()
    assert call_api(server_url, token.access_token) == 401


def test_configuration_errors_name_the_key(config):
    config["client"]["sekret"] = "x"
    with pytest.raises(ConfigurationError) as raised:
        ClientCredentials(config)
    assert str(raised.value) == "client.sekret is not a known key"
    assert raised.value.status == "OAUTHCC_INVALID_CONFIG"
    assert "demo-secret" not in str(raised.value)


def test_oauth_error_carries_the_rfc6749_fields(config):
    config["client"]["secret"] = "wrong-secret"
    with ClientCredentials(config) as client, pytest.raises(OAuthError) as raised:
        client.get_token()
    error = raised.value
    assert (error.http_status, error.error) == (401, "invalid_client")
    assert error.error_description == "client authentication failed"
    assert error.error_uri is None
    assert "wrong-secret" not in str(error) and "wrong-secret" not in (error.body or "")


@pytest.mark.parametrize("path,exception,status", [
    ("/error/html", HTTPError, 502),
    ("/error/notjson", InvalidResponseError, 200),
    ("/redirect", HTTPError, 302),
])
def test_server_failures_map_to_exceptions(config, path, exception, status):
    config["auth"]["tokenPath"] = path
    with ClientCredentials(config) as client, pytest.raises(exception) as raised:
        client.get_token()
    assert raised.value.http_status == status
    assert not isinstance(raised.value, OAuthError)


def test_timeout(config):
    config["auth"]["tokenPath"] = "/slow"
    with ClientCredentials(config) as client, pytest.raises(oauthcc.TimeoutError) as raised:
        client.get_token(http_options={"timeout": 200})
    assert isinstance(raised.value, TimeoutError)  # the builtin, too
    assert raised.value.status == "OAUTHCC_TIMEOUT"


def test_connection_refused_is_a_transport_error():
    client = ClientCredentials({"client": {"id": "a"}, "auth": {"tokenHost": "http://127.0.0.1:1"}})
    with pytest.raises(TransportError) as raised:
        client.get_token()
    assert raised.value.http_status is None


def test_argument_errors(config):
    with ClientCredentials(config) as client:
        token = client.create_token({"access_token": "a"})
        with pytest.raises(InvalidArgumentError):
            token.revoke("id_token")
        with pytest.raises(InvalidArgumentError):
            token.refresh()  # no refresh_token
        with pytest.raises(InvalidArgumentError):
            client.get_token({"scope": 5})
        with pytest.raises(InvalidArgumentError, match="httpOptions.retries is not a known key"):
            client.get_token(http_options={"retries": 1})
        with pytest.raises(InvalidArgumentError, match="expires_at"):
            client.create_token({"expires_at": "someday"})


def test_handles_are_freed_once_and_unusable_after_close(config):
    client = ClientCredentials(config)
    token = client.get_token()
    token.close()
    token.close()
    with pytest.raises(ValueError, match="token is closed"):
        token.access_token
    client.close()
    client.close()
    with pytest.raises(ValueError, match="client is closed"):
        client.get_token()
    with pytest.raises(TypeError):
        AccessToken()


def test_repr_hides_the_token(config):
    with ClientCredentials(config) as client:
        token = client.get_token()
        assert token.access_token not in repr(token)
        assert "access_token" in repr(token)


def test_many_threads_share_one_client(config):
    results, errors = [], []
    with ClientCredentials(config) as client:
        def work():
            try:
                for _ in range(5):
                    results.append(client.get_token({"scope": "read"}).access_token)
            except OAuthccError as error:  # pragma: no cover - reported below
                errors.append(error)
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(results) == 40 and len(set(results)) == 40


def test_errors_are_per_thread(config):
    """A failure on one thread never shows up as another thread's error."""
    bad = dict(config, client={"id": "demo-client", "secret": "nope"})
    seen = {}
    with ClientCredentials(bad) as bad_client, ClientCredentials(config) as good_client:
        def fail():
            with pytest.raises(OAuthError) as raised:
                bad_client.get_token()
            seen["bad"] = raised.value.error
        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()
        with pytest.raises(ConfigurationError) as raised:
            ClientCredentials({"client": {}})
        assert raised.value.error is None
        assert good_client.get_token().access_token
    assert seen["bad"] == "invalid_client"


def test_oauthcc_library_override_is_honoured(tmp_path):
    env = dict(os.environ, OAUTHCC_LIBRARY=str(tmp_path / "missing.so"))
    result = subprocess.run([sys.executable, "-c", "import oauthcc"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "missing.so" in result.stderr
