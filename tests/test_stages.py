"""The stages as plain functions: the normalize plan and the one batch runner every runner goes through."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from corpus_root import build_corpus_root

from flows import stages
from flows.core.errors import UserError
from flows.normalize.batch import NormalizeItem


def _item(i: int) -> NormalizeItem:
    return NormalizeItem(
        doc_id=f"d{i:015d}",
        source_id=f"s{i}",
        snapshot_sha256="0" * 64,
        url=None,
        content_type=None,
        encoding=None,
        issuer_hint=None,
        region_hint=None,
        report_year_hint=None,
        is_synthetic=False,
    )


def test_batches_are_collected_in_order_with_a_bounded_number_in_flight():
    """Only ``window`` batches are submitted ahead, and counts are added in batch order whatever order
    the batches finish in (progress lines say so)."""
    plan = stages.NormalizePlan(items=[_item(i) for i in range(23)], up_to_date=4)
    in_flight, most, lines = [0], [0], []
    lock = threading.Lock()

    def work(batch):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.01 * (3 - int(batch[0].source_id[1:]) % 3))  # later batches may finish first
        with lock:
            in_flight[0] -= 1
        return {"parsed": len(batch), "metrics": 2 * len(batch)}

    with ThreadPoolExecutor(max_workers=12) as pool:
        counts = stages.run_normalize(plan, 5, lambda b: pool.submit(work, b), window=3, progress=lines.append)
    assert counts == {"up_to_date": 4, "parsed": 23, "metrics": 46}
    assert lines == [f"normalize {n}/23 documents" for n in (5, 10, 15, 20, 23)]
    assert most[0] <= 3


def test_plan_batches_cover_every_item_once_in_order():
    plan = stages.NormalizePlan(items=[_item(i) for i in range(7)], up_to_date=0)
    assert [[x.source_id for x in b] for b in plan.batches(3)] == [["s0", "s1", "s2"], ["s3", "s4", "s5"], ["s6"]]
    assert plan.batches(0) == [[x] for x in plan.items]  # a size below one is one document a batch


def test_plan_skips_what_this_parser_version_staged(tmp_path, corpus_dir):
    settings = build_corpus_root(tmp_path, corpus_dir, ["d02", "d12"])
    plan = stages.plan_normalize(settings)
    assert sorted(item.source_id for item in plan.items) == sorted(
        s["source_id"] for s in stages.load_sources(settings)
    )
    assert plan.up_to_date == 0
    assert stages.normalize_stage(settings, workers=2, batch_size=1)["parsed"] == 2
    again = stages.plan_normalize(settings)
    assert again.items == [] and again.up_to_date == 2


def test_unknown_source_ids_are_a_user_error_naming_the_registry(tmp_path, corpus_dir):
    settings = build_corpus_root(tmp_path, corpus_dir, ["d02"])
    try:
        stages.load_sources(settings, ["d02-nope", "other"])
    except UserError as exc:
        assert str(exc).endswith("unknown source id(s): d02-nope, other") and "sources.yaml" in str(exc)
    else:
        raise AssertionError("no error for unknown source ids")


def _staged_files(warehouse) -> dict[str, bytes]:
    return {
        p.relative_to(warehouse).as_posix(): p.read_bytes()
        for p in sorted((warehouse / "staging").rglob("*"))
        if p.is_file()
    }


def test_a_batch_parsed_away_from_the_flows_disk_stages_the_same_bytes(tmp_path, corpus_dir):
    """Issue 21: a Dask worker reads the snapshots through FAZHI_RAW_URL and hands the staged files
    back; the flow writes them. No path of the flow's machine is read on the worker."""
    import shutil
    from dataclasses import replace

    from flows.fetch.archive import Archive, read_objects_at
    from flows.normalize.batch import parse_batch, stage_batch

    here = build_corpus_root(tmp_path / "here", corpus_dir, ["d04", "d07", "d12"])
    plan = stages.plan_normalize(here)
    assert stages.normalize_stage(here, workers=1)["parsed"] == 3

    shutil.copytree(here.raw_dir, tmp_path / "store" / "raw")
    # The worker's view: the flow's paths do not exist there, the archive only at its URL.
    worker = replace(here, raw_dir=tmp_path / "gone" / "raw", warehouse_dir=tmp_path / "gone" / "warehouse")
    worker = replace(worker, raw_url=(tmp_path / "store" / "raw").as_uri())
    batch = parse_batch(worker, plan.items)
    assert not (tmp_path / "gone").exists()
    elsewhere = tmp_path / "flow-warehouse"
    assert stage_batch(elsewhere, batch) == batch.counts and batch.counts["parsed"] == 3
    assert _staged_files(elsewhere) == _staged_files(here.warehouse_dir)

    # An object stored under another extension than the content type names is found in its shard.
    sha = plan.items[0].snapshot_sha256
    wanted = [(sha, "text/html"), (plan.items[1].snapshot_sha256, plan.items[1].content_type)]
    objects = read_objects_at(worker.raw_url, wanted)
    assert objects[sha] == Archive(here.raw_dir).read(sha) and len(objects) == 2

    with pytest.raises(UserError, match=r"is not here; give the workers the archive through FAZHI_RAW_URL"):
        parse_batch(replace(worker, raw_url=None), plan.items)
    with pytest.raises(UserError, match=f"no object {sha}|no object .* in .*/objects"):
        parse_batch(replace(worker, raw_url=(tmp_path / "empty").as_uri()), plan.items)
