import json

import pytest

from flows.core.config import PROJECT_DIR
from flows.fetch.registry import FIELDS, TEMPLATE, RegistryError, load_registry, load_sources, parse_registry

NAME = "raw/sources.yaml"


def problems_of(text: str) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        parse_registry(text, NAME)
    return caught.value.problems


def test_committed_registry_holds_exactly_the_seed_report():
    gold = json.loads((PROJECT_DIR / "tests/fixtures/corpus/seed/chaoyang-2022.gold.json").read_text(encoding="utf-8"))
    sources = load_registry(PROJECT_DIR / "raw" / "sources.yaml")
    assert [s["source_id"] for s in sources] == ["chaoyang-2022"]
    seed = sources[0]
    assert list(seed) == list(FIELDS)
    assert seed["url"] == gold["url"]
    assert seed["issuer"] == "中共朝阳市委 朝阳市人民政府"
    assert seed["region_hint"] == "辽宁省朝阳市"
    assert seed["report_year_hint"] == 2022
    assert seed["is_synthetic"] is False


def test_optional_fields_default_to_null_and_not_synthetic():
    sources = parse_registry("sources:\n  - source_id: a-1\n    url: https://example.org/a\n", NAME)
    assert sources == [
        {
            "source_id": "a-1",
            "url": "https://example.org/a",
            "issuer": None,
            "region_hint": None,
            "report_year_hint": None,
            "notes": None,
            "is_synthetic": False,
            "discovered_from": None,
        }
    ]


def test_empty_registry_is_valid():
    assert parse_registry("sources: []\n", NAME) == []


def test_non_http_url_names_file_entry_and_field():
    text = """sources:
  - {source_id: ok, url: "http://example.org/1"}
  - {source_id: ok-2, url: "http://example.org/2"}
  - {source_id: foo, url: "ftp://x"}
  - {source_id: bar, url: "file:///etc/passwd"}
"""
    assert problems_of(text) == [
        "raw/sources.yaml: entry 3 (source_id 'foo'): url: 'ftp://x' is not an http(s) URL",
        "raw/sources.yaml: entry 4 (source_id 'bar'): url: 'file:///etc/passwd' is not an http(s) URL",
    ]


def test_duplicate_source_id_is_an_error():
    text = """sources:
  - {source_id: foo, url: "http://example.org/1"}
  - {source_id: foo, url: "http://example.org/2"}
"""
    assert problems_of(text) == [
        "raw/sources.yaml: entry 2 (source_id 'foo'): source_id: 'foo' already used by entry 1"
    ]


def test_same_url_twice_names_both_entries():
    text = """sources:
  - {source_id: first, url: "http://Example.org/a#top"}
  - {source_id: second, url: "http://example.org:80/a"}
"""
    (problem,) = problems_of(text)
    assert problem.startswith(
        "raw/sources.yaml: entry 2 (source_id 'second'): url: same url as entry 1 (source_id 'first')"
    )


def test_unknown_key_missing_url_and_wrong_types_are_named():
    text = """sources:
  - {source_id: a, url: "http://example.org/a", regoin_hint: 辽宁省}
  - {source_id: b}
  - {source_id: c, url: "http://example.org/c", report_year_hint: "2022"}
  - {source_id: d, url: "http://example.org/d", report_year_hint: true}
  - {source_id: Bad_Id, url: "http://example.org/e"}
  - just a string
"""
    problems = problems_of(text)
    assert problems[0].startswith("raw/sources.yaml: entry 1 (source_id 'a'): regoin_hint: unknown field")
    assert problems[1] == "raw/sources.yaml: entry 2 (source_id 'b'): url: required field missing"
    assert problems[2].startswith("raw/sources.yaml: entry 3 (source_id 'c'): report_year_hint: '2022' is not of type")
    assert problems[3].startswith("raw/sources.yaml: entry 4 (source_id 'd'): report_year_hint: True is not of type")
    assert problems[4].startswith("raw/sources.yaml: entry 5 (source_id 'Bad_Id'): source_id: ")
    assert problems[5] == "raw/sources.yaml: entry 6: (entry): expected a mapping of fields, got str"
    assert len(problems) == 6


def test_yaml_syntax_error_is_one_line_with_file_and_line():
    text = "sources:\n  - source_id: a\n    url: [http://example.org\n"
    (problem,) = problems_of(text)
    assert problem.startswith("raw/sources.yaml: line ")
    assert "YAML syntax error" in problem
    assert "\n" not in problem


def test_key_given_twice_in_one_entry_is_an_error():
    (problem,) = problems_of("sources:\n  - {source_id: a, url: 'http://x.org', source_id: b}\n")
    assert problem == "raw/sources.yaml: line 2: YAML syntax error: key 'source_id' appears twice in one mapping"


def test_top_level_must_be_a_sources_list():
    assert problems_of("- {source_id: a, url: 'http://x.org'}\n") == [
        "raw/sources.yaml: expected a mapping with a 'sources' list"
    ]
    assert problems_of("sources: []\nextra: 1\n") == ["raw/sources.yaml: unknown top-level key(s): extra"]


def test_load_registry_names_the_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {source_id: foo, url: 'ftp://x'}\n", encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert str(caught.value) == f"{path}: entry 1 (source_id 'foo'): url: 'ftp://x' is not an http(s) URL"
    with pytest.raises(RegistryError, match="registry file not found"):
        load_registry(tmp_path / "absent.yaml")


def test_reloading_follows_the_file_and_callers_cannot_change_the_next_read(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {source_id: aaa, url: 'https://a.example/1'}\n", encoding="utf-8")
    first = load_registry(path)
    first[0]["url"] = "changed by a caller"
    assert load_registry(path)[0]["url"] == "https://a.example/1"
    # same size, same second: only the bytes tell the files apart
    path.write_text("sources:\n  - {source_id: bbb, url: 'https://a.example/2'}\n", encoding="utf-8")
    assert [s["source_id"] for s in load_registry(path)] == ["bbb"]
    path.write_text("sources:\n  - {source_id: bbb, url: 'ftp://a.example/2'}\n", encoding="utf-8")
    with pytest.raises(RegistryError):
        load_registry(path)


def test_discovered_registry_is_read_after_the_hand_written_one_which_wins(tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - source_id: by-hand\n    url: https://a.example/1\n", encoding="utf-8"
    )
    (tmp_path / "sources.discovered.yaml").write_text(
        "sources:\n"
        "  - source_id: col-2022-aaaaaa\n    url: https://a.example/1\n    discovered_from: col\n"
        "  - source_id: col-2022-bbbbbb\n    url: https://a.example/2\n    report_year_hint: 2022\n"
        "    discovered_from: col\n    discovery: {link_text: 某区2022年法治政府建设情况报告, link_date: '2023-03-01'}\n",
        encoding="utf-8",
    )
    sources = load_sources(tmp_path / "sources.yaml")
    assert [(s["source_id"], s["discovered_from"]) for s in sources] == [("by-hand", None), ("col-2022-bbbbbb", "col")]
    assert "discovery" not in sources[1] and list(sources[1]) == list(FIELDS)


def test_provenance_is_refused_in_the_hand_written_registry():
    with pytest.raises(RegistryError) as caught:
        parse_registry("sources:\n  - source_id: a\n    url: https://a.example/1\n    discovery: {}\n", NAME)
    assert "entry 1 (source_id 'a'): discovery: unknown field" in str(caught.value)


def test_the_template_fazhi_init_writes_is_an_empty_registry_whose_example_works():
    assert parse_registry(TEMPLATE, NAME) == []
    uncommented = "\n".join(line[1:] if line.startswith("#  ") else line for line in TEMPLATE.splitlines())
    (example,) = parse_registry(uncommented, NAME)
    assert example["source_id"] == "chaoyang-2022" and example["report_year_hint"] == 2022
    assert problems_of("sources: 3\n") == [f"{NAME}: expected a mapping with a 'sources' list"]
