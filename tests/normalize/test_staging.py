"""Staged normalize results (flows/staging.py)."""

import json
import logging

from flows.normalize.staging import is_staged, iter_staged, staged_path, write_staged


def _result(doc_id: str) -> dict:
    return {
        "doc_id": doc_id,
        "source_id": f"s-{doc_id}",
        "parser_version": "9.9.9",
        "document": None,
        "sections": [],
        "metrics": [],
        "quarantine": [],
    }


def test_written_results_read_back_in_doc_id_order(tmp_path):
    for doc_id in ("bb00000000000001", "aa00000000000002"):
        write_staged(tmp_path, _result(doc_id))
    assert [r["doc_id"] for r in iter_staged(tmp_path)] == ["aa00000000000002", "bb00000000000001"]
    assert is_staged(tmp_path, "aa00000000000002", "9.9.9")
    assert not is_staged(tmp_path, "aa00000000000002", "9.9.10")


def test_a_torn_file_is_skipped_with_a_warning_and_parsed_again(tmp_path, caplog):
    """What a power cut can leave of an unsynced file: the next normalize must parse it again."""
    write_staged(tmp_path, _result("aa00000000000001"))
    write_staged(tmp_path, _result("bb00000000000002"))
    torn = staged_path(tmp_path, "aa00000000000001")
    torn.write_bytes(torn.read_bytes()[:20])
    with caplog.at_level(logging.WARNING, logger="flows.normalize.staging"):
        assert [r["doc_id"] for r in iter_staged(tmp_path)] == ["bb00000000000002"]
    assert str(torn) in caplog.text and "parses its snapshot again" in caplog.text
    assert not is_staged(tmp_path, "aa00000000000001", "9.9.9")
    assert is_staged(tmp_path, "bb00000000000002", "9.9.9")


def test_bytes_that_are_not_utf8_are_skipped_like_a_torn_file(tmp_path, caplog):
    write_staged(tmp_path, _result("aa00000000000001"))
    garbled = staged_path(tmp_path, "aa00000000000001")
    garbled.write_bytes(garbled.read_bytes().replace(b'"s-aa', b'"\xff\xfe'))
    with caplog.at_level(logging.WARNING, logger="flows.normalize.staging"):
        assert list(iter_staged(tmp_path)) == []
    assert str(garbled) in caplog.text and "not readable JSON" in caplog.text
    assert not is_staged(tmp_path, "aa00000000000001", "9.9.9")


def test_results_read_back_as_the_standard_json_reader_reads_them(tmp_path):
    """The reader is orjson's: the same objects as ``json.loads`` (Chinese text, floats, nesting)."""
    result = {**_result("aa00000000000001"), "metrics": [{"value": 0.1 + 0.2, "unit": "件", "n": 10**15, "x": None}]}
    write_staged(tmp_path, result)
    path = staged_path(tmp_path, "aa00000000000001")
    assert next(iter_staged(tmp_path)) == json.loads(path.read_bytes()) == result


def test_a_marker_torn_garbled_or_without_its_file_is_out_of_date(tmp_path):
    write_staged(tmp_path, _result("aa00000000000001"))
    path = staged_path(tmp_path, "aa00000000000001")
    marker = path.with_suffix(".version")
    assert is_staged(str(tmp_path), "aa00000000000001", "9.9.9")  # a str root as well as a Path
    marker.write_bytes(b"9.9.")  # torn mid-write
    assert not is_staged(tmp_path, "aa00000000000001", "9.9.9")
    marker.write_bytes(b"9.9.9\xff")  # not UTF-8: out of date, never an error
    assert not is_staged(tmp_path, "aa00000000000001", "9.9.9")
    marker.write_bytes(b"9.9.9")
    path.unlink()  # the marker outlived its file
    assert not is_staged(tmp_path, "aa00000000000001", "9.9.9")
    assert not is_staged(tmp_path, "cc00000000000001", "9.9.9")  # never staged
