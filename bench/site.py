"""Benchmark the static site: a synthetic releases tree of 3,000 issuers over 7 report years, then
``flows.publish.index_page.write_index`` (the home page and ``releases/site/``), timed, and the size
of the site. Targets (issue 17): the site ≤ 150 MB, built in ≤ 60 s; the home page ≤ 500 KB.

    .venv/bin/python bench/site.py [--issuers 3000] [--years 7] [--out /tmp/site-bench]

The tree holds only what the site reads (documents.csv, facts.csv, datapackage.json, SHA256SUMS of
each year's one version); it is synthetic and never published.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
import time
from pathlib import Path

from flows.publish.facts import facts_columns
from flows.publish.index_page import write_index

CODES = [(f"indicator_{i:02d}", f"指标{i:02d}", f"Indicator {i:02d}") for i in range(20)]
PROVINCES = ["11", "13", "32", "33", "36", "37", "41", "42", "44", "51", "53", "61", "65"]


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def build_tree(root: Path, issuers: int, years: int) -> Path:
    rng = random.Random(17)
    releases = root / "releases"
    shutil.rmtree(root, ignore_errors=True)
    names = [c.name for c in facts_columns()]
    people = []
    for i in range(issuers):
        code = f"{rng.choice(PROVINCES)}{(i // 100) % 100:02d}{i % 100:02d}"
        people.append((f"{code}-gov-{i}", f"合成县{i}人民政府", f"合成省合成市合成县{i}", code, "county"))
    for year in range(2024 - years, 2024):
        directory = releases / str(year) / f"{year}.1"
        directory.mkdir(parents=True)
        docs, facts = [], []
        for issuer_id, name, region, code, level in people:
            doc_id = f"{abs(hash((issuer_id, year))):016x}"[:16]
            url = f"https://www.example.invalid/{issuer_id}/{year}.html"
            docs.append(
                [
                    doc_id,
                    issuer_id,
                    json.dumps([name], ensure_ascii=False),
                    region,
                    code,
                    level,
                    year,
                    f"{name}{year}年法治政府建设情况报告",
                    url,
                    f"{year + 1}-03-15",
                    "ab" * 32,
                ]
            )
            for k, (metric, zh, en) in enumerate(rng.sample(CODES, 8)):
                row = dict.fromkeys(names, "")
                row.update(
                    report_year=year,
                    issuer_id=issuer_id,
                    issuer=name,
                    issuer_level=level,
                    region_code=code,
                    metric_code=metric,
                    metric_name_zh=zh,
                    metric_name_en=en,
                    value=rng.randint(1, 500),
                    unit="件",
                    kind="count",
                    sentence="合成句子。",
                    publish_date=f"{year + 1}-03-15",
                    doc_id=doc_id,
                    metric_id=f"{doc_id}-m{k:06d}",
                    url=url,
                )
                facts.append([row[n] for n in names])
        (directory / "documents.csv").write_bytes(
            _csv(
                [
                    "doc_id",
                    "issuer_id",
                    "issuers",
                    "region_name",
                    "region_code",
                    "region_level",
                    "report_year",
                    "title",
                    "url",
                    "publish_date",
                    "snapshot_sha256",
                ],
                docs,
            )
        )
        (directory / "facts.csv").write_bytes(_csv(names, facts))
        package = {
            "version": f"{year}.1",
            "x-report-year": year,
            "created": "2024-06-01T00:00:00Z",
            "x-content-sha256": "0" * 64,
            "x-coverage": {"documents": len(docs)},
        }
        (directory / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
        (directory / "SHA256SUMS").write_text(f"{'0' * 64}  documents.csv\n{'0' * 64}  facts.csv\n", encoding="ascii")
    return releases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issuers", type=int, default=3000)
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("/tmp/fazhi-site-bench"))
    args = parser.parse_args()
    releases = build_tree(args.out, args.issuers, args.years)
    started, cpu = time.perf_counter(), time.process_time()
    write_index(releases)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    site = releases / "site"
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    files = sum(1 for p in site.rglob("*") if p.is_file())
    home = (releases / "index.html").stat().st_size + (site / "search.js").stat().st_size
    print(
        f"site: {args.issuers} issuers x {args.years} years: {files} files, {size / 1e6:.1f} MB, "
        f"built in {wall:.1f} s wall ({cpu:.1f} s CPU); home page {home / 1024:.0f} KB; "
        f"search index {(site / 'search-index.js').stat().st_size / 1024:.0f} KB"
    )


if __name__ == "__main__":
    main()
