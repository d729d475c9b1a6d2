"""The Python binding against oauth2-mock-server, an independent OAuth 2.0 implementation."""

import base64
import json
import urllib.request

from oauthcc import ClientCredentials


def jwt_claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_get_use_and_revoke_a_token(mock_server_url):
    config = {
        "client": {"id": "python-client", "secret": "python-secret"},
        "auth": {"tokenHost": mock_server_url, "tokenPath": "/token", "revokePath": "/revoke"},
    }
    with ClientCredentials(config) as client:
        token = client.get_token({"scope": ["read", "write"]})
    assert token.token["token_type"] == "Bearer"
    assert jwt_claims(token.access_token)["scope"] == "read write"
    assert not token.expired(window=300)

    request = urllib.request.Request(f"{mock_server_url}/userinfo",
                                     headers={"Authorization": f"Bearer {token.access_token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        assert "sub" in json.load(response)

    # oauth2-mock-server answers revocation with an empty 200, which RFC 7009 calls success.
    token.revoke("access_token")
    token.revoke_all()
