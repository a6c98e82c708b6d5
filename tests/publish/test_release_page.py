"""The public index page ``releases/index.html``: its content and links on disk, and the page in real
headless Chromium (DevTools protocol over the ``websockets`` client) served from a loopback server."""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from flows.publish import index_page as release_page
from flows.publish import releases as publish
from flows.publish.versions import read_sums

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "publish"))
import publish_warehouse as pw  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[1] / "artifacts"


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> Path:
    """2021.1, 2022.1 and 2022.2 (a corrected 2022 report)."""
    tmp = tmp_path_factory.mktemp("page")
    releases = tmp / "releases"
    first = pw.build_warehouse(tmp / "wh1", pw.standard_reports())
    publish.publish_years(warehouse_dir=first, releases_dir=releases, created=datetime(2024, 6, 1, tzinfo=UTC))
    second = pw.build_warehouse(tmp / "wh2", pw.standard_reports({("990100-gov", 2022): {"edit": "（更正）"}}))
    publish.publish_years(warehouse_dir=second, releases_dir=releases, created=datetime(2024, 7, 1, tzinfo=UTC))
    return releases


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.srcs, self.marks, self.svgs, self.scripts = [], [], 0, 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs["href"])
        if "src" in attrs:
            self.srcs.append(attrs["src"])
        if tag == "link" and attrs.get("rel") != "icon":
            self.srcs.append(attrs.get("href"))
        self.marks += tag == "circle" and attrs.get("class") == "mark"
        self.svgs += tag == "svg"
        self.scripts += tag == "script"


def test_index_lists_every_release_with_working_links(releases):
    html = (releases / "index.html").read_text(encoding="utf-8")
    page = _Links()
    page.feed(html)
    for version in ("2021.1", "2022.1", "2022.2"):
        assert f'id="v{version}"' in html
        sums = read_sums(releases / version[:4] / version)
        for name, digest in sums.items():
            assert f'href="{version[:4]}/{version}/{name}"' in html and digest in html
        assert f'href="{version[:4]}/{version}/CHANGELOG.md"' in html
    assert html.count('<span class="latest">') == 2  # 2021.1 and 2022.2
    assert html.index('id="v2022.2"') < html.index('id="v2022.1"') < html.index('id="v2021.1"')
    assert "全部发布" in html and "All releases" in html and "指标趋势" in html
    # static and self-contained: only relative links to files that exist, no scripts or external resources
    # the one script is the site's search box (tests/publish/test_site.py), shipped beside the page
    assert page.hrefs and page.srcs == ["site/search.js"] and page.scripts == 1
    for href in page.hrefs:
        assert not urlparse(href).scheme and not href.startswith("/"), href
        assert (releases / href.split("#")[0]).is_file(), href
    # the chart: one line per issuer over 2021-2022 for the reconsideration cases
    assert page.svgs == 2 and page.marks == 4  # the coverage map and the chart
    assert 'data-metric-code="reconsideration_cases_received"' in html
    assert "示例省示例市甲县 2022: 38 件" in html and "示例省示例市 2021: 120 件" in html


def test_chart_escapes_text_from_the_data():
    chart = {
        "metric_code": "x",
        "name_zh": "<b>名</b>",
        "name_en": "n",
        "unit": "件",
        "lines": [{"label": "<script>alert(1)</script>", "points": {2021: 1.0, 2022: 2.5}}],
    }
    svg = release_page.render_chart(chart)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg
    assert svg.count('class="mark"') == 2


def test_index_without_comparable_years_says_so(releases, tmp_path):
    only = tmp_path / "releases"
    shutil.copytree(releases / "2021", only / "2021")
    html = release_page.render_index(only)
    assert 'class="series"' not in html and "No issuer reports the same indicator in two consecutive years yet" in html


# -- in a real browser -----------------------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class DevTools:
    """A minimal DevTools-protocol client: commands with ids, events kept in order."""

    def __init__(self, url: str):
        from websockets.sync.client import connect

        self.ws = connect(url, max_size=64 * 1024 * 1024, open_timeout=10)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 10) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))

    def close(self):
        self.ws.close()


def wait_for_devtools(browser: subprocess.Popen, profile: Path, seconds: float = 60) -> tuple[str, str]:
    """Chromium's DevTools port and path once it has written them (a cold start on a loaded machine can take
    tens of seconds). On failure the browser's whole session is killed before its stderr is read: its child
    processes keep the pipe open, so reading it while they live would block for ever."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + seconds
    while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
        if browser.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(browser.pid, signal.SIGKILL)
            try:
                _, err = browser.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                err = b"(no output)"
            pytest.fail(f"chromium did not start within {seconds:.0f} s: {err.decode(errors='replace')[-2000:]}")
        time.sleep(0.05)
    port, path = port_file.read_text().splitlines()[:2]
    return port, path


@pytest.fixture
def served(releases):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(releases)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_index_in_headless_chromium(served, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser test")
    pytest.importorskip("websockets.sync.client", reason="the websockets client drives Chromium")
    profile = tmp_path / "profile"
    browser = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--window-size=1200,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: stopped whole if it fails to start
    )
    try:
        port, path = wait_for_devtools(browser, profile)
        devtools = DevTools(f"ws://127.0.0.1:{port}{path}")
        try:
            target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                devtools.send(f"{domain}.enable", session=session)
            devtools.send("Page.navigate", {"url": served + "index.html"}, session=session)
            devtools.wait_for("Page.loadEventFired")
            found = devtools.send(
                "Runtime.evaluate",
                {
                    "returnByValue": True,
                    "expression": """JSON.stringify({
                links: [...document.querySelectorAll('a[href]')].map(a => new URL(a.getAttribute('href'), document.baseURI).href),
                marks: document.querySelectorAll('svg circle.mark').length,
                lines: document.querySelectorAll('svg polyline.series').length,
                markBoxes: [...document.querySelectorAll('svg circle.mark')].map(c => c.getBBox().width),
                h1: document.querySelector('h1').textContent,
                releases: document.querySelectorAll('section.release').length})""",
                },
                session=session,
            )
            page = json.loads(found["result"]["value"])
            shot = devtools.send(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session, timeout=15
            )
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / "release_index.png").write_bytes(base64.b64decode(shot["data"]))
            devtools.send("Runtime.evaluate", {"expression": "1"}, session=session)  # drain late events
            try:
                devtools.send("Browser.close", timeout=3)
            except Exception:  # the browser may close the socket before it answers
                pass
        finally:
            devtools.close()
    finally:
        if browser.poll() is None:
            browser.terminate()
            try:
                browser.wait(timeout=5)
            except subprocess.TimeoutExpired:
                browser.kill()
                browser.wait()

    errors = [
        e
        for e in devtools.events
        if e.get("method") == "Runtime.exceptionThrown"
        or (e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") == "error")
        or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
    ]
    assert errors == []
    requests = [
        e["params"]["request"]["url"] for e in devtools.events if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requests and all(url.startswith(served) or url.startswith("data:") for url in requests), requests
    assert "法治政府建设年度报告" in page["h1"] and "open data" in page["h1"]
    assert page["releases"] == 3
    assert page["marks"] == 4 and page["lines"] == 2 and all(width > 0 for width in page["markBoxes"])
    assert len(page["links"]) >= 3 * 13
    for link in page["links"]:
        assert link.startswith(served), link
        with urllib.request.urlopen(urljoin(served, link), timeout=5) as response:
            assert response.status == 200, link
    assert (ARTIFACTS / "release_index.png").read_bytes().startswith(b"\x89PNG")


def _csv(path: Path, header: list[str], rows: list[list]) -> None:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_chart_units_are_the_units_of_the_values_and_ambiguous_years_are_left_out(tmp_path):
    directory = tmp_path / "2022" / "2022.1"
    directory.mkdir(parents=True)
    _csv(directory / "documents.csv", ["doc_id", "issuer_id", "region_name", "issuers"], [["d1", "x-gov", "甲县", ""]])
    _csv(
        directory / "metric_catalog.csv",
        ["metric_code", "name_zh", "name_en", "unit"],
        [["sites", "阵地", "Sites", "处"]],
    )
    header = ["issuer_id", "metric_code", "report_year", "value", "unit", "value_rule", "prev_year", "prev_value"]
    _csv(
        directory / "metric_yoy.csv",
        header,
        [
            ["x-gov", "sites", 2022, 198, "处", "sum", 2021, 150],
            ["y-gov", "sites", 2022, None, "处", "ambiguous", 2021, 40],  # no value: no point for 2022
        ],
    )
    (chart,) = release_page.chart_series(tmp_path, [{"is_latest": True, "dir": directory}])
    assert chart["unit"] == "处" and chart["issuers"] == 1
    assert chart["lines"] == [{"label": "甲县", "points": {2021: 150.0, 2022: 198.0}}]
