"""flows.core.yaml_stream: the same objects as PyYAML's safe loader, built from the parser's events."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from flows.core import yaml_stream

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SAME_AS_THE_LOADER = {
    "registry": (
        "# a comment\nsources:\n"
        '  - source_id: "chaoyang-2022"\n    url: "http://www.chaoyang.gov.cn/a.html"\n'
        "    issuer: 朝阳市人民政府\n    report_year_hint: 2022\n    is_synthetic: false\n    notes:\n"
        "    discovery: {portal: liaoning, found_at: 2026-03-07T10:00:00Z}\n"
    ),
    "plain_scalars": (
        "a: ~\nb: null\nc:\nd: yes\ne: No\nf: on\ng: 0x1F\nh: 1_000\ni: .inf\nj: -.5e3\nk: 2023-03-07\n"
        "l: 2023-03-07 10:00:00+08:00\nm: 012\nn: 0o17\no: '012'\np: \"2023-03-07\"\nq: 二〇二二年\nr: 1e3\n"
    ),
    "tags_and_blocks": "a: !!str 12\nb: !!int '7'\nc: |\n  第一行\n  第二行\nd: >\n  折叠\n  的行\ne: !!binary aGk=\n",
    "flow_and_nesting": "a: [1, two, {three: 3, four: [4]}]\nb: {}\nc: []\n",
    "top_level_sequence": "- 1\n- [a, b]\n- {c: d}\n- - e\n  - f\n",
    "top_level_scalar": "just text\n",
    "empty": "",
    "comments_only": "# nothing here\n",
    "later_key_wins": "a: 1\nb: 2\na: 3\n",
    "anchors_and_aliases": "base: &b {x: 1}\nother: *b\n",
    "merge_key": "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
    "set": "s: !!set {a, b}\n",
}

REFUSED_AS_BY_THE_LOADER = {
    "mapping_key": "? {a: b}\n: c\n",
    "sequence_key": "? - a\n: c\n",
    "unknown_tag": "a: !custom 1\n",
    "two_documents": "a: 1\n---\nb: 2\n",
    "unclosed_flow": "sources:\n  - url: [a\n",
}


@pytest.mark.parametrize("name", sorted(SAME_AS_THE_LOADER))
def test_the_same_objects_as_the_safe_loader(name):
    text = SAME_AS_THE_LOADER[name]
    expected = yaml.load(text, Loader=LOADER)
    got = yaml_stream.load(text, LOADER, unique_keys=False)
    assert got == expected
    assert repr(got) == repr(expected)  # the same types too: True is not 1, a date is not a string


def test_scalars_are_typed_as_the_resolver_says():
    got = yaml_stream.load(SAME_AS_THE_LOADER["plain_scalars"], LOADER, unique_keys=True)
    assert (got["a"], got["c"], got["d"], got["e"], got["g"], got["h"], got["m"], got["o"]) == (
        None,
        None,
        True,
        False,
        31,
        1000,
        10,
        "012",
    )
    assert got["k"] == dt.date(2023, 3, 7) and got["p"] == "2023-03-07" and got["i"] == float("inf")


@pytest.mark.parametrize("name", sorted(REFUSED_AS_BY_THE_LOADER))
def test_what_the_loader_refuses_is_refused_with_its_error(name):
    text = REFUSED_AS_BY_THE_LOADER[name]
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.load(text, Loader=LOADER)
    with pytest.raises(type(expected.value)) as got:
        yaml_stream.load(text, LOADER, unique_keys=True)
    assert str(got.value) == str(expected.value)


def test_a_key_given_twice_is_refused_with_its_line_when_keys_must_be_unique():
    with pytest.raises(yaml.constructor.ConstructorError) as caught:
        yaml_stream.load("sources:\n  - url: a\n    url: b\n", LOADER, unique_keys=True)
    assert "key 'url' appears twice in one mapping" in str(caught.value)
    assert caught.value.problem_mark.line == 2
