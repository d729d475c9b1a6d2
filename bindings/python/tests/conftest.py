import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import oauthcc

REPO_ROOT = Path(__file__).resolve().parents[3]
TOKEN_SERVER = REPO_ROOT / "tests" / "server" / "token_server.py"


@pytest.fixture(scope="session")
def server_url():
    """The project's local token server on a free port, for the whole session."""
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        process = subprocess.Popen([sys.executable, str(TOKEN_SERVER), "--port-file", str(port_file)],
                                   stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while not port_file.exists():
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("token server did not start")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port_file.read_text()}"
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def config(server_url):
    return {
        "client": {"id": "demo-client", "secret": "demo-secret"},
        "auth": {"tokenHost": server_url},
    }


MOCK_SERVER = REPO_ROOT / "tests" / "mock" / "node_modules" / ".bin" / "oauth2-mock-server"


@pytest.fixture(scope="session")
def mock_server_url():
    """oauth2-mock-server from the npm registry (installed by tests/scripts/setup.sh)."""
    if not MOCK_SERVER.exists():
        if os.environ.get("CI"):
            raise RuntimeError("oauth2-mock-server is not installed: run tests/scripts/setup.sh")
        pytest.skip("oauth2-mock-server is not installed: run tests/scripts/setup.sh")
    process = subprocess.Popen([str(MOCK_SERVER), "-a", "127.0.0.1", "-p", "0"], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        for line in process.stdout:
            if "listening on" in line:
                yield line.split("listening on", 1)[1].strip()
                break
            if time.monotonic() > deadline:
                raise RuntimeError("oauth2-mock-server did not start")
        else:
            raise RuntimeError("oauth2-mock-server exited")
    finally:
        process.terminate()
        process.wait(timeout=10)


# Every client secret the suite uses, and every refresh token the local server hands out.
ECHOED_SECRET = 'k9/QzR+vT2w=Ab7x "q\\ &x'  # a server echoes it back (test_secret_echo.py)
SUITE_SECRETS = ["demo-secret", "wrong-secret", "python-secret", "hunter2-secret", ECHOED_SECRET]


@pytest.fixture(scope="session", autouse=True)
def secret_audit():
    """Collects every log line and every error message of the whole suite, then checks that no
    secret appears in any of them."""
    seen = []
    oauthcc.set_log_callback(lambda level, message: seen.append(message), oauthcc.LogLevel.DEBUG)
    original_init = oauthcc.OAuthccError.__init__

    def recording_init(self, message, *args, **kwargs):
        seen.append(message)
        seen.append(kwargs.get("body") or "")
        seen.append(kwargs.get("error_description") or "")
        original_init(self, message, *args, **kwargs)

    oauthcc.OAuthccError.__init__ = recording_init
    yield seen
    oauthcc.OAuthccError.__init__ = original_init
    oauthcc.set_log_callback(None)
    assert len(seen) > 50, "the audit saw the suite's messages"
    leaks = [text for text in seen for secret in SUITE_SECRETS if secret in text]
    assert leaks == []


@pytest.fixture
def log_callback(secret_audit):
    """Installs a test's own log callback (at DEBUG unless told), whose lines the audit still sees;
    hands the callback back to the audit afterwards."""
    def install(callback, level=oauthcc.LogLevel.DEBUG):
        def audited(line_level, message):
            secret_audit.append(message)
            callback(line_level, message)
        oauthcc.set_log_callback(audited, level)

    yield install
    oauthcc.set_log_callback(lambda level, message: secret_audit.append(message), oauthcc.LogLevel.DEBUG)
