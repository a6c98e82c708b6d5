"""The static site under ``releases/site/`` and the home page: on disk (every link resolves, every chart
is followed by its table, no request outside the site) and in real headless Chromium from ``file://``
(1280 and 390 px screenshots in tests/artifacts/, no console error, no request outside the site, the
search box, CJK text drawn with the Noto CJK font, no sideways scrolling on a phone, home page weight)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from flows.publish import releases as publish
from flows.publish.site_charts import PROVINCE_TILES
from flows.publish.site_data import read_site_data

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "publish"))
sys.path.insert(0, str(Path(__file__).parent))
import publish_warehouse as pw  # noqa: E402
from test_release_page import CHROMIUM, DevTools  # noqa: E402

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
HOME_LIMIT = 500 * 1024


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    warehouse = pw.build_warehouse(tmp / "wh", pw.standard_reports())
    releases = tmp / "releases"
    publish.publish_years(warehouse_dir=warehouse, releases_dir=releases, created=datetime(2024, 6, 1, tzinfo=UTC))
    return releases


class _Page(HTMLParser):
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


def _pages(releases: Path) -> list[Path]:
    return [releases / "index.html"] + sorted((releases / "site").rglob("*.html"))


def test_site_pages_exist_and_every_link_resolves(releases):
    site = releases / "site"
    assert (site / "year" / "2021.html").is_file() and (site / "year" / "2022.html").is_file()
    assert (site / "indicator" / f"{pw.CASES_CODE}.html").is_file()
    assert sorted(p.name for p in (site / "issuer").iterdir()) == ["990100-gov.html", "990101-gov.html"]
    parsed = {}
    for path in _pages(releases):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        parsed[path.resolve()] = page
    for path, page in parsed.items():
        for tag, link in page.links:
            url = urlparse(link)
            if url.scheme in ("http", "https"):
                assert tag == "a" and "example.invalid" in url.netloc, (path, link)  # sources: links, never loaded
                continue
            assert not url.scheme and not link.startswith("/"), (path, link)
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                assert link.endswith("/") and any(target.iterdir()), (path, link)
                continue
            assert target.is_file(), (path, link)
            if url.fragment and target.suffix == ".html":
                assert url.fragment in parsed[target].ids, (path, link)


def test_every_chart_is_followed_by_its_table(releases):
    for path in _pages(releases)[1:]:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        for index, (tag, _css) in enumerate(page.sequence):
            if tag == "svg":
                assert page.sequence[index + 1][0] == "table", path
    indicator = (releases / "site" / "indicator" / f"{pw.CASES_CODE}.html").read_text(encoding="utf-8")
    # the median per year with the number of issuers behind it: (40 + 120) / 2 and (38 + 135) / 2
    assert "n=2" in indicator and ">80<" in indicator and ">86.50<" in indicator
    assert "受理行政复议案件数" in indicator and "Administrative reconsideration" in indicator
    issuer = (releases / "site" / "issuer" / "990101-gov.html").read_text(encoding="utf-8")
    assert "https://www.example.invalid/990101-2022.html" in issuer and "-2（-5.0%）" in issuer
    home = (releases / "index.html").read_text(encoding="utf-8")
    assert home.count('class="tile"') == len(PROVINCE_TILES) == 34
    index = (releases / "site" / "search-index.js").read_text(encoding="utf-8")
    entries = json.loads(index[index.index("=") + 1 : index.rindex(";")])
    assert ["示例市人民政府", "示例省示例市", "990100-gov", "issuer/990100-gov.html"] in entries


def test_home_page_weight(releases):
    weight = sum((releases / p).stat().st_size for p in ("index.html", "site/search.js"))
    assert weight <= HOME_LIMIT and (releases / "site" / "search.js").stat().st_size < 2048


# -- in a real browser -----------------------------------------------------------------------------------


def _launch(profile: Path, width: int) -> tuple[subprocess.Popen, DevTools]:
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
    )
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 20
    while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
        if browser.poll() is not None or time.monotonic() > deadline:
            browser.kill()
            pytest.fail(f"chromium did not start: {browser.stderr.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.05)
    port, path = port_file.read_text().splitlines()[:2]
    return browser, DevTools(f"ws://127.0.0.1:{port}{path}")


PAGES = {
    "home": "index.html",
    "year": "site/year/2022.html",
    "indicator": f"site/indicator/{pw.CASES_CODE}.html",
    "issuer": "site/issuer/990101-gov.html",
}


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_site_in_headless_chromium(releases, tmp_path, width):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser test")
    pytest.importorskip("websockets.sync.client", reason="the websockets client drives Chromium")
    base = releases.resolve().as_uri() + "/"
    browser, devtools = _launch(tmp_path / "profile", width)
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
        for name, rel in PAGES.items():
            devtools.events.clear()
            devtools.send("Page.navigate", {"url": base + rel}, session=session)
            devtools.wait_for("Page.loadEventFired", timeout=20)
            if name == "home":  # the search box loads its index on first use and lists the match
                devtools.send(
                    "Runtime.evaluate",
                    {
                        "expression": "var b=document.getElementById('search');b.focus();b.value='甲县';"
                        "b.dispatchEvent(new Event('input'));"
                    },
                    session=session,
                )
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    found = devtools.send(
                        "Runtime.evaluate",
                        {
                            "returnByValue": True,
                            "expression": "[...document.querySelectorAll('#results a')].map(a=>a.href)",
                        },
                        session=session,
                    )["result"]["value"]
                    if found:
                        break
                    time.sleep(0.1)
                seen["search"] = found
            state = devtools.send(
                "Runtime.evaluate",
                {
                    "returnByValue": True,
                    "expression": "({h1: document.querySelector('h1').textContent, "
                    "overflow: document.documentElement.scrollWidth - window.innerWidth, "
                    "svgs: [...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)})",
                },
                session=session,
            )["result"]["value"]
            root = devtools.send("DOM.getDocument", session=session)["root"]["nodeId"]
            h1 = devtools.send("DOM.querySelector", {"nodeId": root, "selector": "h1"}, session=session)["nodeId"]
            fonts = devtools.send("CSS.getPlatformFontsForNode", {"nodeId": h1}, session=session)["fonts"]
            shot = devtools.send(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session, timeout=30
            )
            (ARTIFACTS / f"site_{name}_{width}.png").write_bytes(base64.b64decode(shot["data"]))
            devtools.send("Runtime.evaluate", {"expression": "1"}, session=session)  # drain late events
            seen[name] = {"state": state, "fonts": fonts, "events": list(devtools.events)}
    finally:
        devtools.close()
        browser.terminate()
        try:
            browser.wait(timeout=5)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()

    assert seen["search"] == [base + "site/issuer/990101-gov.html"]
    for name in PAGES:
        events, state, fonts = seen[name]["events"], seen[name]["state"], seen[name]["fonts"]
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
        # Chinese drawn with a CJK font (no tofu): the h1's glyphs come from Noto Sans CJK
        assert any("CJK" in f["familyName"] and f["glyphCount"] > 0 for f in fonts), (name, fonts)
        assert state["overflow"] <= 0, (name, width, state)  # no sideways scrolling of the page
        assert all(0 < w <= width for w in state["svgs"]), (name, state)
        assert (ARTIFACTS / f"site_{name}_{width}.png").read_bytes().startswith(b"\x89PNG")


def _write_csv(path: Path, rows: list[dict]) -> None:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join("" if r[h] is None else str(r[h]) for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_site_values_are_in_the_indicators_unit_and_follow_its_rule(tmp_path):
    directory = tmp_path / "2022" / "2022.1"
    directory.mkdir(parents=True)
    doc = {"report_year": 2022, "issuers": "", "region_name": "甲县", "region_code": "990101", "region_level": "county"}
    doc |= {"title": "报告", "url": "https://example.invalid/", "snapshot_sha256": "0" * 64}
    _write_csv(
        directory / "documents.csv",
        [
            {**doc, "issuer_id": i, "doc_id": d, "publish_date": p}
            for i, d, p in (("x", "d1", "2023-03-01"), ("y", "d2", "2023-03-01"))
        ],
    )
    _write_csv(
        directory / "metric_catalog.csv",
        [{"metric_code": "sites", "multiple_values": "sum"}, {"metric_code": "cases", "multiple_values": "none"}],
    )
    fact = {"report_year": 2022, "metric_name_zh": "名", "metric_name_en": "n", "publish_date": "2023-03-01"}
    rows = [  # issuer, doc, metric, code, value as printed, unit, catalog value, catalog unit
        ("x", "d1", "m1", "sites", 8, "处", 8, "处"),
        ("x", "d1", "m2", "sites", 190, "个", 190, "处"),
        ("x", "d1", "m3", "sites", 8, "处", 8, "处"),  # the same figure again: counted once
        ("x", "d1", "m4", "cases", 236, "件", 236, "件"),
        ("x", "d1", "m5", "cases", 218, "件", 218, "件"),  # ambiguous: no value
        ("y", "d2", "m6", "cases", 3, "万件", 30000, "件"),
    ]
    _write_csv(
        directory / "facts.csv",
        [
            {**fact, "issuer_id": i, "doc_id": d, "metric_id": m, "metric_code": c, "value": v, "unit": u}
            | {"catalog_value": cv, "catalog_unit": cu}
            for i, d, m, c, v, u, cv, cu in rows
        ],
    )
    data = read_site_data(tmp_path)
    assert data.values == {"sites": {"x": {2022: 198.0}}, "cases": {"y": {2022: 30000.0}}}
    assert data.indicators["sites"]["unit"] == "处" and data.indicators["cases"]["unit"] == "件"
