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


def test_the_server_runs_without_the_services_a_one_command_server_never_uses(prefect_env, monkeypatch):
    # automations and stream-out events off (0.5 s of its start); runs still recorded, old events still
    # vacuumed; what the user exported wins
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_EVENT_LOGGER_ENABLED", "true")
    with early_api_server() as server:
        temporary_server.ready(server)
        with urllib.request.urlopen(f"{server.url}/admin/settings", timeout=10) as response:
            settings = json.loads(response.read())
    services = settings["server"]["services"]
    assert services["triggers"]["enabled"] is False
    assert settings["server"]["events"]["stream_out_enabled"] is False
    assert services["event_logger"]["enabled"] is True
    assert services["db_vacuum"]["enabled"] == ["events"]
    assert services["task_run_recorder"]["enabled"] is True
    assert services["event_persister"]["enabled"] is True
