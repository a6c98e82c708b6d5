"""Which corpus ``fazhi evaluate`` scores, and the one line it prints when the frozen test copy stands in
for the shared corpus."""

from __future__ import annotations

import contextlib
import io
import json

from flows import cli
from flows.tools.corpus import resolve_corpus


def _checkout(tmp_path, *, shared: bool):
    project = tmp_path / "work" / "checkout"
    (project / "tests" / "fixtures" / "corpus").mkdir(parents=True)
    if shared:
        (tmp_path / "work" / "shared" / "corpus").mkdir(parents=True)
    return project


def test_the_shared_corpus_beside_the_checkout_is_used_quietly(tmp_path):
    project = _checkout(tmp_path, shared=True)
    assert resolve_corpus(None, None, project) == (tmp_path / "work" / "shared" / "corpus", None)


def test_the_frozen_fallback_is_named_in_one_line(tmp_path):
    project = _checkout(tmp_path, shared=False)
    corpus, note = resolve_corpus(None, None, project)
    assert corpus == project / "tests" / "fixtures" / "corpus"
    assert "\n" not in note and "frozen test corpus" in note
    assert str(corpus) in note and str(tmp_path / "work" / "shared" / "corpus") in note


def test_an_explicit_corpus_wins_without_a_note(tmp_path):
    project = _checkout(tmp_path, shared=False)
    assert resolve_corpus(tmp_path / "mine", "/elsewhere", project) == (tmp_path / "mine", None)
    assert resolve_corpus(None, str(tmp_path / "env"), project) == (tmp_path / "env", None)


def test_evaluate_prints_the_note_on_stderr_and_keeps_json_clean(tmp_path, monkeypatch, corpus_dir):
    """The command itself, with the checkout's shared corpus missing: stdout stays one JSON document."""
    project = _checkout(tmp_path, shared=False)
    frozen = project / "tests" / "fixtures" / "corpus"
    (frozen / "dev").mkdir()
    (frozen / "dev" / "d02.json").write_bytes((corpus_dir / "dev" / "d02.json").read_bytes())
    monkeypatch.delenv("FAZHI_CORPUS_DIR", raising=False)
    monkeypatch.setattr("flows.tools.corpus.PROJECT_DIR", project)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert cli.main(["evaluate", "--json"]) == 0
    assert err.getvalue().splitlines() == [
        f"fazhi evaluate: no shared corpus at {tmp_path / 'work' / 'shared' / 'corpus'}; scoring the frozen test "
        f"corpus in {frozen} (pass --corpus DIR or set FAZHI_CORPUS_DIR to score another)"
    ]
    assert json.loads(out.getvalue())["sets"]["dev"]["documents"] == 1
