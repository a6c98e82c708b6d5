"""Duplicate detection at scale (issue 16): ``flows.load.duplicates`` over N synthetic documents.

    .venv/bin/python bench/duplicates.py [--documents 50000] [--write]

Documents are the article texts of ``synthetic.py`` (seed 0; ~5,000 characters each, all written from
one template with numbers drawn per page, so every pair shares most of its wording), with about 6 %
of them replaced by copies of others: the same text on another host, the text with other page
furniture, a traditional-script mirror (OpenCC s2t), an excerpt under a news lead, and a revised
issue on the same site with corrected figures. Timed: the load's work, i.e. one fingerprint per
document (``fingerprint``: folding, 5-gram hashes, figures, place names) and ``find_duplicates``
over all of them; making the texts is not timed. Also counted: the planted copies found (recall),
documents marked that were not planted (false positives), revisions found. Target: ≤ 60 s for
50,000 documents. ``--write`` puts the table into RESULTS.md between ``<!-- duplicates:begin -->``
markers (``bench/run.py`` keeps the section).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import opencc

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import results_section  # noqa: E402
import synthetic  # noqa: E402

from flows.load.duplicates import find_duplicates, fingerprint  # noqa: E402

KINDS = ("exact", "furniture", "script", "excerpt", "revision")
SHARE = {"exact": 0.015, "furniture": 0.015, "script": 0.01, "excerpt": 0.01, "revision": 0.01}
FIGURE_RE = re.compile(r"\d+(?=[件人次个家场项名万%])")


def _base(corpus: synthetic.SyntheticCorpus, index: int) -> dict:
    issuer, year = corpus.locate(index)
    rng = random.Random(f"dup:{index}")
    writer = synthetic._article(issuer, year, rng, ascii_parens=False)
    text = "\n".join(t for _, t in writer.paragraphs)
    return {
        "doc_id": f"{index:016x}",
        "url": f"http://www.{issuer.region_code}.gov.cn/fzzf/{year}/{index}.html",
        "title": synthetic._title(issuer, year, rng),
        "text": text,
        "issuer_id": f"{issuer.region_code}-{issuer.kind}",
        "region_code": issuer.region_code,
        "report_year": year,
        "publish_date": f"{year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}",
        "is_report": True,
    }


def _copy(base: dict, kind: str, index: int, rng: random.Random, s2t) -> dict:
    doc = {**base, "doc_id": f"{index:016x}", "url": f"http://mirror{rng.randint(1, 50)}.example.com/{index}.html"}
    year = base["report_year"]
    if kind == "furniture":
        doc["text"] = (
            "首页 > 政务公开 > 法治政府建设\n"
            + base["text"]
            + f"\n来源:{base['issuer_id']} 浏览次数:{rng.randint(9, 999)}"
        )
    elif kind == "script":
        doc["text"] = s2t.convert(base["text"])
    elif kind == "excerpt":
        size = int(len(base["text"]) * rng.uniform(0.4, 0.8))
        start = rng.randint(0, len(base["text"]) - size)
        start = base["text"].rfind("。", 0, start) + 1  # a quote opens at a sentence and ends with one
        size = base["text"].rfind("。", start, start + size) + 1 - start
        doc["text"] = (
            f"近日,{base['title'].split(str(year))[0].removesuffix('关于')}公布了{year}年法治政府建设年度报告,摘编如下。\n"
            + base["text"][start : start + size]
        )
        doc["is_report"] = False
    elif kind == "revision":
        figures = list(FIGURE_RE.finditer(base["text"]))
        text = base["text"]
        for match in sorted(rng.sample(figures, min(2, len(figures))), key=lambda m: -m.start()):
            text = text[: match.start()] + str(int(match.group(0)) + rng.randint(1, 9)) + text[match.end() :]
        doc.update(text=text, url=base["url"].replace(".html", "_v2.html"), publish_date=f"{year + 1}-06-30")
    return doc


def make(documents: int) -> tuple[list[dict], dict[str, tuple[str, str]]]:
    """``documents`` documents and the planted copies: copy doc_id -> (kind, original doc_id)."""
    counts = {kind: int(documents * share) for kind, share in SHARE.items()}
    bases = documents - sum(counts.values())
    corpus = synthetic.SyntheticCorpus.of_size(bases)
    docs = [_base(corpus, i) for i in range(bases)]
    rng = random.Random(16)
    s2t = opencc.OpenCC("s2t")
    planted: dict[str, tuple[str, str]] = {}
    originals = rng.sample(range(bases), sum(counts.values()))  # each copied once
    index = bases
    for kind in KINDS:
        for _ in range(counts[kind]):
            base = docs[originals.pop()]
            copy = _copy(base, kind, index, rng, s2t)
            docs.append(copy)
            planted[copy["doc_id"]] = (kind, base["doc_id"])
            index += 1
    return docs, planted


def run(documents: int) -> dict:
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    docs, planted = make(documents)
    made = time.perf_counter() - started
    chars = sum(len(d["text"]) for d in docs)
    wall, cpu = time.perf_counter(), time.process_time()
    prints = [fingerprint(d) for d in docs]
    fingerprinted_wall, fingerprinted_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall2, cpu2 = time.perf_counter(), time.process_time()
    marks = find_duplicates(prints)
    found_wall, found_cpu = time.perf_counter() - wall2, time.process_time() - cpu2
    by_kind = {kind: [0, 0] for kind in KINDS}
    for copy, (kind, original) in planted.items():
        by_kind[kind][1] += 1
        mark, other = marks.get(copy), marks.get(original)
        if kind == "revision":
            ok = other is not None and other.superseded_by == copy
        else:
            canon = mark.duplicate_of if mark and mark.duplicate_of else copy
            canon_original = other.duplicate_of if other and other.duplicate_of else original
            ok = canon == canon_original
        by_kind[kind][0] += ok
    involved = set(planted) | {original for _, original in planted.values()}
    false_marks = sorted(d for d in marks if d not in involved)
    return {
        "documents": len(docs),
        "mean_chars": chars / len(docs),
        "make_s": made,
        "fingerprint_wall_s": fingerprinted_wall,
        "fingerprint_cpu_s": fingerprinted_cpu,
        "find_wall_s": found_wall,
        "find_cpu_s": found_cpu,
        "by_kind": by_kind,
        "false_marks": len(false_marks),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_before_after": (load_before, os.getloadavg()[0]),
    }


def write_section(result: dict) -> None:
    results = HERE / "RESULTS.md"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = "{:.1f} before, {:.1f} after".format(*result["load_before_after"])
    total_wall = result["fingerprint_wall_s"] + result["find_wall_s"]
    total_cpu = result["fingerprint_cpu_s"] + result["find_cpu_s"]
    found = ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in result["by_kind"].items())
    lines = [
        "<!-- duplicates:begin -->",
        "## Duplicate detection (issue 16, `bench/duplicates.py`)",
        "",
        f"Written on {stamp} (Python {platform.python_version()}, 1-minute load average {load} on 2 cores shared with "
        f"other agents: wall time grows with the load, CPU time does not); {result['documents']:,} synthetic documents "
        f"of {result['mean_chars']:,.0f} characters on average, one process under `nice -n 10`.",
        "",
        "| step | wall s | CPU s |",
        "| --- | ---: | ---: |",
        f"| fingerprints (fold, 5-gram sample, figures, place names) | {result['fingerprint_wall_s']:.1f} | "
        f"{result['fingerprint_cpu_s']:.1f} |",
        f"| `find_duplicates` (candidates, measures, groups) | {result['find_wall_s']:.1f} | {result['find_cpu_s']:.1f} |",
        f"| **total** (target ≤ 60 s) | **{total_wall:.1f}** | {total_cpu:.1f} |",
        "",
        f"Planted copies found: {found}; documents marked that were not planted: {result['false_marks']}. "
        f"Peak RSS {result['peak_rss_mb']:,.0f} MB (texts included).",
        "<!-- duplicates:end -->",
    ]
    results_section.write_section("duplicates", "\n".join(lines), results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=50_000)
    parser.add_argument("--write", action="store_true", help="write the table into RESULTS.md")
    args = parser.parse_args()
    result = run(args.documents)
    for key, value in result.items():
        print(f"{key}: {value}")
    if args.write:
        write_section(result)


if __name__ == "__main__":
    main()
