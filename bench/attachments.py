"""Attachment benchmarks (never part of the package or the tests):

    .venv/bin/python bench/attachments.py speed      # ms per PDF page; a 20-page report end to end
    .venv/bin/python bench/attachments.py libraries  # pypdfium2 vs pdfplumber (pdfminer.six) vs pypdf

Both print the gold corpus (../shared/corpus, or FAZHI_CORPUS_DIR) to PDF with headless Chromium
first, as ``fazhi evaluate --as pdf`` does. ``libraries`` needs pdfplumber and pypdf installed
(``pip install pdfplumber pypdf``; they are not dependencies). Targets (issue 14): at most 30 ms a
PDF page, at most 300 ms for a 20-page report, on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.core.config import load_settings  # noqa: E402
from flows.normalize.attachments.pdf import pdf_reading_text, read_pages  # noqa: E402
from flows.normalize.document import ParseInput, parse_snapshot  # noqa: E402
from flows.tools.evaluate import as_attachments, load_corpus  # noqa: E402
from flows.tools.printed import print_pdf, text_html  # noqa: E402

REPEAT = 5


def printed_corpus() -> tuple[list, dict[str, bytes]]:
    docs = load_corpus(load_settings().corpus_dir)
    started = time.perf_counter()
    pdfs = as_attachments(docs, "pdf")
    print(f"printed {len(pdfs)} corpus texts with Chromium in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return docs, pdfs


def twenty_pages(docs) -> bytes:
    """A 20-page report: the corpus reports printed one after the other as one document (one set
    of fonts, as a real report has), cut after page 20."""
    import pypdfium2 as pdfium

    printed = pdfium.PdfDocument(print_pdf(text_html("\n".join(doc.text for doc in docs if doc.gold))))
    merged = pdfium.PdfDocument.new()
    merged.import_pages(printed, list(range(min(20, len(printed)))))
    out = io.BytesIO()
    merged.save(out)
    return out.getvalue()


def timed(fn, repeat: int = REPEAT) -> tuple[float, float]:
    """Median wall and CPU seconds of ``fn``. The machine is shared by several agents: CPU time is
    the figure that does not depend on their load."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def speed() -> None:
    docs, pdfs = printed_corpus()
    pages = sum(len(read_pages(data).pages) for data in pdfs.values())
    wall, cpu = timed(lambda: [pdf_reading_text(read_pages(data)) for data in pdfs.values()])
    print(
        f"corpus: {len(pdfs)} PDFs, {pages} pages; text + reading text per page: "
        f"{cpu / pages * 1000:.1f} ms CPU ({wall / pages * 1000:.1f} ms wall)"
    )
    report = twenty_pages(docs)
    item = ParseInput(report, "bench", hashlib.sha256(report).hexdigest(), content_type="application/pdf")
    parse_snapshot(item)  # warm: imports, tables
    wall, cpu = timed(lambda: pdf_reading_text(read_pages(report)))
    print(
        f"20-page report, text + reading text: {cpu * 1000:.0f} ms CPU ({wall * 1000:.0f} ms wall), {cpu / 20 * 1000:.1f} ms/page CPU"
    )
    wall, cpu = timed(lambda: parse_snapshot(item))
    print(
        f"20-page report, whole parse (document, sections, metrics): {cpu * 1000:.0f} ms CPU ({wall * 1000:.0f} ms wall)"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", file=sys.stderr)


def _han_accuracy(source: str, extracted: str) -> float:
    """Share of the source's Han characters found in the extracted text (multiset), penalising extras."""
    want = collections.Counter(ch for ch in source if "\u4e00" <= ch <= "\u9fff")
    got = collections.Counter(ch for ch in extracted if "\u4e00" <= ch <= "\u9fff")
    common = sum((want & got).values())
    return common / max(sum(want.values()), sum(got.values()), 1)


def libraries() -> None:
    import pdfplumber
    import pypdf
    import pypdfium2 as pdfium

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # one line per glyph of Chromium's CJK fonts
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    def with_pdfium(data: bytes) -> str:
        document = pdfium.PdfDocument(data)
        return "\n".join(page.get_textpage().get_text_range() for page in document)

    def with_pdfplumber(data: bytes) -> str:
        with pdfplumber.open(io.BytesIO(data)) as document:
            return "\n".join(page.extract_text() or "" for page in document.pages)

    def with_pypdf(data: bytes) -> str:
        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)

    docs, pdfs = printed_corpus()
    pages = sum(len(pdfium.PdfDocument(data)) for data in pdfs.values())
    print(f"{len(pdfs)} PDFs, {pages} pages")
    print(f"{'library':<28}{'CPU ms/page':>10}{'Han chars right':>18}")
    for name, fn in (("pypdfium2", with_pdfium), ("pdfplumber (pdfminer.six)", with_pdfplumber), ("pypdf", with_pypdf)):
        texts: dict[str, str] = {}
        _, cpu = timed(lambda fn=fn, texts=texts: texts.update({k: fn(v) for k, v in pdfs.items()}), repeat=3)
        accuracy = statistics.mean(_han_accuracy(doc.text, texts[doc.name]) for doc in docs)
        print(f"{name:<28}{cpu / pages * 1000:>10.1f}{accuracy:>18.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["speed", "libraries"])
    args = parser.parse_args()
    {"speed": speed, "libraries": libraries}[args.what]()


if __name__ == "__main__":
    main()
