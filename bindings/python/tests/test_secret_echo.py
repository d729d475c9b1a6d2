"""A server that echoes the request back in its error answer must not get the client secret into
a Python exception or a log line, in any spelling the echo gives it: raw, form-urlencoded, inside
the Basic header, or JSON-escaped in any of the ways JSON allows."""

import base64
import json
import re
import urllib.parse
from typing import Dict, List, Set, Tuple

import pytest

from conftest import ECHOED_SECRET
from oauthcc import ClientCredentials, HTTPError, OAuthccError, OAuthError

CLIENT_ID = "echo-client"


def lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group().lower(), text)


def form_encodings(text: str) -> Set[str]:
    """application/x-www-form-urlencoded, "+" or "%20" for a space, upper or lower hex."""
    encoded = {urllib.parse.quote_plus(text), urllib.parse.quote(text, safe="")}
    return encoded | {lower_hex(spelling) for spelling in encoded}


def basic_credentials(client_id: str, secret: str) -> Set[str]:
    """base64(id ":" secret), as the Basic header carries it in loose and in strict encoding."""
    pairs = {f"{client_id}:{secret}", f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"}
    return {base64.b64encode(pair.encode()).decode() for pair in pairs}


def json_escapings(text: str) -> Set[str]:
    """The text inside a JSON string: minimal escapes, PHP's "\\/", and \\u escapes of every
    character that is not alphanumeric, in lower and upper hex."""
    minimal = json.dumps(text)[1:-1]
    u_escaped = "".join(c if c.isalnum() else f"\\u{ord(c):04x}" for c in text)
    u_escaped_upper = re.sub(r"\\u(....)", lambda escape: "\\u" + escape[1].upper(), u_escaped)
    return {minimal, minimal.replace("/", "\\/"), u_escaped, u_escaped_upper}


def leak_spellings(client_id: str, secret: str) -> Set[str]:
    plain = {secret} | form_encodings(secret) | basic_credentials(client_id, secret)
    return plain | {escaped for spelling in plain for escaped in json_escapings(spelling)}


SPELLINGS = leak_spellings(CLIENT_ID, ECHOED_SECRET)


def leaks(places: Dict[str, str]) -> List[Tuple[str, str]]:
    return [(place, spelling) for place, text in places.items() for spelling in SPELLINGS if spelling in text]


def echo_client(server_url: str, path: str, method: str, encoding: str) -> ClientCredentials:
    return ClientCredentials({
        "client": {"id": CLIENT_ID, "secret": ECHOED_SECRET},
        "auth": {"tokenHost": server_url, "tokenPath": path},
        "options": {"authorizationMethod": method, "credentialsEncodingMode": encoding},
        "transport": {"retry": {"initialDelay": 1, "maxDelay": 1}},  # a 500 is retried: quickly
    })


def test_every_spelling_of_the_secret_is_looked_for():
    assert len(SPELLINGS) > 20
    assert "k9%2FQzR%2BvT2w%3DAb7x+%22q%5C+%26x" in SPELLINGS
    assert "k9%2fQzR%2bvT2w%3dAb7x+%22q%5c+%26x" in SPELLINGS
    assert 'k9\\/QzR+vT2w=Ab7x \\"q\\\\ &x' in SPELLINGS
    assert "k9\\u002fQzR\\u002bvT2w\\u003dAb7x\\u0020\\u0022q\\u005c\\u0020\\u0026x" in SPELLINGS


@pytest.mark.parametrize("encoding", ["strict", "loose"])
@pytest.mark.parametrize("method", ["header", "body"])
@pytest.mark.parametrize("path,exception,http_status", [
    ("/echo", OAuthError, 400),
    ("/echo/u", OAuthError, 400),
    ("/echo/text", HTTPError, 500),
])
def test_an_echoed_secret_is_in_no_exception_and_no_log_line(server_url, log_callback, path, exception,
                                                              http_status, method, encoding):
    lines: List[str] = []
    log_callback(lambda level, message: lines.append(message))
    with echo_client(server_url, path, method, encoding) as client, pytest.raises(exception) as raised:
        client.get_token({"scope": "read"})
    error: OAuthccError = raised.value

    places = {"str": str(error), "repr": repr(error), "body": error.body or "",
              "error_description": error.error_description or ""}
    places.update((f"log line {number}", line) for number, line in enumerate(lines))
    assert not leaks(places), f"the secret leaks (place, spelling): {leaks(places)}"
    assert error.http_status == http_status and error.status.startswith("OAUTHCC_")
    if exception is OAuthError:
        assert error.error == "invalid_request"
