"""The command's temporary Prefect server, started before Prefect is imported (a real server)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from flows.core import temporary_server
from flows.core.errors import RunFailed
from flows.core.temporary_server import early_api_server


@pytest.fixture
def prefect_env(tmp_path, monkeypatch):
    home = tmp_path / "prefect-home"
    home.mkdir()
    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    return home


def test_a_server_named_anywhere_prefect_reads_means_no_early_server(prefect_env, tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    with early_api_server() as server:
        assert server is None
    assert temporary_server.os.environ["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"
    monkeypatch.delenv("PREFECT_API_URL")

    configured = {
        prefect_env / "profiles.toml": "[profiles.work]\nPREFECT_API_URL = 'http://10.0.0.5:4200/api'\n",
        tmp_path / "prefect.toml": '[api]\nurl = "http://10.0.0.5:4200/api"\n',
        tmp_path / ".env": "PREFECT_API_URL=http://10.0.0.5:4200/api\n",
    }
    for path, text in configured.items():
        path.write_text(text)
        with early_api_server() as server:
            assert server is None, path.name
        assert "PREFECT_API_URL" not in temporary_server.os.environ
        path.unlink()
    with early_api_server(enabled=False) as server:
        assert server is None


def test_the_server_answers_at_the_url_it_sets_and_ends_with_the_block(prefect_env):
    with early_api_server() as server:
        assert server is not None
        url = temporary_server.os.environ["PREFECT_API_URL"]
        assert url == server.url and url.startswith("http://127.0.0.1:")
        temporary_server.ready(server)
        with urllib.request.urlopen(f"{url}/health", timeout=10) as response:
            assert json.loads(response.read()) is True
        process = server.process
    assert process.returncode is not None  # stopped, and reaped
    assert "PREFECT_API_URL" not in temporary_server.os.environ
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/health", timeout=2)


def test_a_server_that_fails_or_is_slow_is_a_one_line_error(prefect_env, tmp_path, monkeypatch):
    with early_api_server() as server:
        with pytest.raises(RunFailed, match=r"^Prefect's temporary API server did not answer within 0\.001 s"):
            server.wait_ready(0.001)
    # A database the server cannot open: it exits during its start.
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", f"sqlite+aiosqlite:///{tmp_path}/missing/dir/prefect.db")
    with early_api_server() as server:
        with pytest.raises(
            RunFailed, match=r"^Prefect's temporary API server exited with code \d+ before it answered$"
        ):
            server.wait_ready(120)
