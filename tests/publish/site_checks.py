"""Checks shared by the site tests: every internal link of the built site resolves (on disk), every chart
is followed by its table, and a visit of some pages in real headless Chromium from ``file://``
(screenshots, console errors, requests, the font that draws the Chinese h1, sideways overflow)."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_release_page import CHROMIUM, DevTools, wait_for_devtools  # noqa: E402

ARTIFACTS = Path(__file__).parents[1] / "artifacts"


class SitePage(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.sequence = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") == "icon"):
                self.links.append((tag, attrs[key]))
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag in ("svg", "table"):
            self.sequence.append((tag, attrs.get("class", "")))


def site_pages(releases: Path) -> list[Path]:
    return [releases / "index.html"] + sorted((releases / "site").rglob("*.html"))


def parse(path: Path) -> SitePage:
    page = SitePage()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def check_links(releases: Path, outside_link_ok: Callable[[str], bool]) -> int:
    """Every relative link and fragment of every page resolves; a link out of the site is an ``<a>``
    (a source to follow, never loaded) that ``outside_link_ok`` accepts. Returns the links checked."""
    parsed = {path.resolve(): parse(path) for path in site_pages(releases)}
    checked = 0
    for path, page in parsed.items():
        for tag, link in page.links:
            checked += 1
            url = urlparse(link)
            if url.scheme in ("http", "https"):
                assert tag == "a" and outside_link_ok(link), (path, link)
                continue
            assert not url.scheme and not link.startswith("/"), (path, link)
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                assert link.endswith("/") and any(target.iterdir()), (path, link)
                continue
            assert target.is_file(), (path, link)
            if url.fragment and target.suffix == ".html":
                assert url.fragment in parsed[target].ids, (path, link)
    return checked


def check_charts_have_tables(releases: Path) -> None:
    for path in site_pages(releases)[1:]:
        sequence = parse(path).sequence
        for index, (tag, _css) in enumerate(sequence):
            if tag == "svg":
                assert sequence[index + 1][0] == "table", path


def launch(profile: Path, width: int) -> tuple[subprocess.Popen, DevTools]:
    browser = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            f"--window-size={width},900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: stopped whole if it fails to start
    )
    port, path = wait_for_devtools(browser, profile)
    return browser, DevTools(f"ws://127.0.0.1:{port}{path}")


def require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser test")
    pytest.importorskip("websockets.sync.client", reason="the websockets client drives Chromium")


def evaluate(devtools: DevTools, session: str, expression: str):
    return devtools.send("Runtime.evaluate", {"returnByValue": True, "expression": expression}, session=session)[
        "result"
    ].get("value")


def search(devtools: DevTools, session: str, query: str) -> list[str]:
    """Type ``query`` into the home page's search box; the hrefs it lists (waits up to 10 s)."""
    evaluate(
        devtools,
        session,
        f"var b=document.getElementById('search');b.focus();b.value={query!r};b.dispatchEvent(new Event('input'));",
    )
    deadline = time.monotonic() + 10
    found = []
    while time.monotonic() < deadline:
        found = evaluate(devtools, session, "[...document.querySelectorAll('#results a')].map(a=>a.href)")
        if found:
            break
        time.sleep(0.1)
    return found


def visit(
    releases: Path,
    pages: dict[str, str],
    width: int,
    profile: Path,
    prefix: str,
    *,
    on_page: Callable[[str, DevTools, str], object] | None = None,
    expression: str = "1",
) -> dict[str, dict]:
    """Open each page (name -> path under ``releases``) at ``width`` px, screenshot it to
    ``tests/artifacts/<prefix>_<name>_<width>.png``; per page: ``state`` (h1, overflow, chart widths,
    ``extra`` = ``expression``'s value), ``fonts`` (of the h1), ``events`` (DevTools), ``found``
    (``on_page``'s result, called after the load)."""
    base = releases.resolve().as_uri() + "/"
    browser, devtools = launch(profile, width)
    seen = {}
    try:
        target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network", "DOM", "CSS"):
            devtools.send(f"{domain}.enable", session=session)
        devtools.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500},
            session=session,
        )
        ARTIFACTS.mkdir(exist_ok=True)
        for name, rel in pages.items():
            devtools.events.clear()
            devtools.send("Page.navigate", {"url": base + rel}, session=session)
            devtools.wait_for("Page.loadEventFired", timeout=20)
            found = on_page(name, devtools, session) if on_page else None
            state = evaluate(
                devtools,
                session,
                "({h1: document.querySelector('h1').textContent, "
                "overflow: document.documentElement.scrollWidth - window.innerWidth, "
                "svgs: [...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width), "
                f"extra: ({expression})}})",
            )
            root = devtools.send("DOM.getDocument", session=session)["root"]["nodeId"]
            h1 = devtools.send("DOM.querySelector", {"nodeId": root, "selector": "h1"}, session=session)["nodeId"]
            fonts = devtools.send("CSS.getPlatformFontsForNode", {"nodeId": h1}, session=session)["fonts"]
            shot = devtools.send(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session, timeout=30
            )
            (ARTIFACTS / f"{prefix}_{name}_{width}.png").write_bytes(base64.b64decode(shot["data"]))
            devtools.send("Runtime.evaluate", {"expression": "1"}, session=session)  # drain late events
            seen[name] = {"state": state, "fonts": fonts, "events": list(devtools.events), "found": found}
    finally:
        devtools.close()
        browser.terminate()
        try:
            browser.wait(timeout=5)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()
    return seen


def check_visit(releases: Path, seen: dict[str, dict], width: int, prefix: str) -> None:
    """No error, no request outside the site, the h1's Chinese drawn with a Noto CJK font (no tofu), no
    sideways scrolling, charts within the page, a PNG screenshot."""
    base = releases.resolve().as_uri() + "/"
    for name, visit_ in seen.items():
        events, state, fonts = visit_["events"], visit_["state"], visit_["fonts"]
        errors = [
            e
            for e in events
            if e.get("method") == "Runtime.exceptionThrown"
            or (e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") == "error")
            or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
        ]
        assert errors == [], (name, errors)
        requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
        assert all(u.startswith(base) or u.startswith("data:") for u in requests), (name, requests)
        assert any("CJK" in f["familyName"] and f["glyphCount"] > 0 for f in fonts), (name, fonts)
        assert state["overflow"] <= 0, (name, width, state)
        assert all(0 < w <= width for w in state["svgs"]), (name, state)
        assert (ARTIFACTS / f"{prefix}_{name}_{width}.png").read_bytes().startswith(b"\x89PNG")
