import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

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
