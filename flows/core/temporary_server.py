"""The temporary Prefect API server of a command, started before Prefect is imported.

Without ``PREFECT_API_URL`` Prefect starts a temporary ("ephemeral") API server when a flow first
needs it: after the command has imported Prefect and the flows (≈ 2.4 s of CPU), so the server's own
start (≈ 7 s of CPU: importing Prefect's server app, opening its database) comes on top of it. A
flow command starts the same server here instead, first thing, on a socket it has already bound, and
sets ``PREFECT_API_URL`` for Prefect to read; both starts then run side by side on two cores
(bench/RESULTS.md, "fixed cost"). The server is Prefect's own (``uvicorn`` with Prefect's app
factory, in Prefect's ephemeral mode); it is stopped when the command ends, and a killed command's
watcher (``orphans.py``) ends it otherwise.

Only where nothing else names an API server: ``PREFECT_API_URL`` in the environment, or an API URL
in Prefect's profile or settings files (``profiles.toml``, ``prefect.toml``, ``pyproject.toml``,
``.env``), leave Prefect to connect as it always does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.core.errors import RunFailed

STOP_GRACE_S = 5.0
# Services of an ephemeral server that a server living as long as one command never uses: automations
# (triggers and their actions), events printed to the console and streamed to subscribers (no UI).
# Starting them costs 0.5 s of the server's 3.6 s start (3.08 against 3.60 s, eight alternated starts,
# bench/RESULTS.md). The task-run recorder and the event persister stay, so the command's runs are on
# record in PREFECT_HOME, and so does the vacuum that keeps that database from growing. A value the
# user exported wins.
_UNUSED_SERVICES_OFF = {
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_LOGGER_ENABLED": "false",
    "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED": "false",
}
_SETTINGS_FILES = ("prefect.toml", "pyproject.toml", ".env")


def _api_url_configured_elsewhere() -> bool:
    """An API URL in a file Prefect reads its settings from. A crude text test on purpose: when in
    doubt Prefect is left to start (or find) its server as it always does."""
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    for path in (profiles, *(Path(name) for name in _SETTINGS_FILES)):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "PREFECT_API_URL" in text or ("[api]" in text and "url" in text) or "api.url" in text:
            return True
    return False


class TemporaryServer:
    """Prefect's API server on a loopback socket bound here, so the port is ours before the server
    listens and connections wait in the socket's queue until it answers."""

    def __init__(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}/api"
        # Prefect's own temporary server runs with these (prefect.server.api.server.SubprocessASGIServer).
        env = {**_UNUSED_SERVICES_OFF, **os.environ}
        env.update({"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"})
        command = [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app"]
        command += ["--fd", str(listener.fileno()), "--log-level", "error", "--lifespan", "on"]
        try:
            self.process = subprocess.Popen(command, env=env, pass_fds=(listener.fileno(),), stdin=subprocess.DEVNULL)
        finally:
            listener.close()  # the server holds its own copy
        self._ready = False

    def wait_ready(self, timeout: float) -> None:
        """Return once the server answers its health check; a server that exits or does not answer
        in time is a one-line error."""
        deadline = time.monotonic() + timeout
        while not self._ready:
            code = self.process.poll()
            if code is not None:
                raise RunFailed(f"Prefect's temporary API server exited with code {code} before it answered")
            left = deadline - time.monotonic()
            if left <= 0:
                raise RunFailed(
                    f"Prefect's temporary API server did not answer within {timeout:g} s "
                    f"(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=min(2.0, left)) as response:
                    self._ready = response.status == 200
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)  # still starting: the request waited in the queue, or the reply timed out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _startup_timeout() -> float:
    try:
        return float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90"))
    except ValueError:
        return 90.0


@contextmanager
def early_api_server(enabled: bool = True) -> Iterator[TemporaryServer | None]:
    """Within the block ``PREFECT_API_URL`` names this command's temporary server (None where another
    server is configured, or not ``enabled``); the caller waits for it with ``ready()`` before its first
    flow."""
    if not enabled or os.environ.get("PREFECT_API_URL") or _api_url_configured_elsewhere():
        yield None
        return
    server = TemporaryServer()
    os.environ["PREFECT_API_URL"] = server.url
    try:
        yield server
    finally:
        server.stop()
        del os.environ["PREFECT_API_URL"]


def ready(server: TemporaryServer | None) -> None:
    if server is not None:
        server.wait_ready(_startup_timeout())
