"""The gold corpus as attachments: each text printed to PDF by headless Chromium (A4, a CJK font)
and saved as a Word .docx, for ``fazhi evaluate --as pdf|docx`` and the tests.

Each line of a captured text becomes a paragraph; an empty line an empty paragraph. Chromium wraps
long lines and breaks pages as a browser's "print to PDF" does, which is what the PDF reader must
undo. Chromium is Debian's ``chromium`` (``.ci/run`` installs it with ``fonts-noto-cjk``).
"""

from __future__ import annotations

import html
import io
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT_S = 120
PAGE_CSS = """
@page { size: A4; margin: 2.5cm 2.2cm; }
body { font-family: 'Noto Serif CJK SC', 'Noto Sans CJK SC', 'Source Han Serif SC', serif;
       font-size: 12pt; line-height: 1.6; }
p { margin: 0; }
"""


class PrintError(RuntimeError):
    """Chromium is missing or could not print."""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def text_html(text: str, css: str = PAGE_CSS) -> str:
    """A captured text as a printable page: one paragraph per line."""
    paragraphs = "\n".join(f"<p>{html.escape(line) if line.strip() else '&nbsp;'}</p>" for line in text.split("\n"))
    return f'<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head><body>\n{paragraphs}\n</body></html>\n'


def print_pdf(page_html: str, chromium: str | None = None) -> bytes:
    """``page_html`` printed to PDF by headless Chromium (no browser header or footer)."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise PrintError("headless Chromium not found (install Debian's chromium and fonts-noto-cjk)")
    with tempfile.TemporaryDirectory(prefix="fazhi-print-") as temp:
        work = Path(temp)
        source, target = work / "page.html", work / "page.pdf"
        source.write_text(page_html, encoding="utf-8")
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            f"--user-data-dir={work / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise PrintError(f"Chromium did not print within {PRINT_TIMEOUT_S} s") from None
        if not target.is_file() or target.stat().st_size == 0:
            raise PrintError("Chromium printed nothing")
        return target.read_bytes()


def print_pdfs(pages: dict[str, str], workers: int = 6) -> dict[str, bytes]:
    """Several pages printed at once (each Chromium mostly waits; its start-up dominates)."""
    chromium = find_chromium()
    if chromium is None:
        raise PrintError("headless Chromium not found (install Debian's chromium and fonts-noto-cjk)")
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {name: pool.submit(print_pdf, page, chromium) for name, page in pages.items()}
        return {name: future.result() for name, future in futures.items()}


def text_docx(text: str) -> bytes:
    """A captured text saved as a Word .docx: one paragraph per line (python-docx)."""
    import docx  # python-docx, imported only where Word files are made

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
