"""regions.resolve_issuer at the edges of its rules: ties the weights of the region score settle by one
step, the kinds an anchor may have, a parent the url spells, a province from a document number or the
url, the "weak evidence" warning, and the helpers' counts and limits (found by mutation testing of
flows/normalize/regions.py, docs/MUTATION.md). Each case is a small page and its exact outcome."""

from __future__ import annotations

import pytest

from flows.normalize import regions

BODY = (
    "{year}年,{subject}坚持以习近平新时代中国特色社会主义思想为指导,深入推进法治政府建设。{extra}现将有关情况报告如下。"
)
T = "关于2023年法治政府建设情况的报告"


def resolve(*, title=None, text=None, subject="我们", extra="", year=2023, source_org=None, url=None, **hints):
    text = BODY.format(year=year, subject=subject, extra=extra) if text is None else text
    return regions.resolve_issuer(title=title, text=text, url=url, source_org=source_org, report_year=year, **hints)


def who(info) -> tuple:
    return (info.issuers, info.issuer_type, info.issuer_id, info.region_name, info.region_level)


# --- the id of an organ that is neither a government nor a department ------------------------------------


@pytest.mark.parametrize(
    "title, issuer, issuer_id",
    [
        ("中共长丰县委2023年度法治建设工作报告", "中共长丰县委", "340121-other-党委"),
        ("中国共产党长丰县委员会2023年度法治建设工作报告", "中国共产党长丰县委员会", "340121-other-党委"),
        ("长丰县人大常委会2023年度法治建设工作报告", "长丰县人大常委会", "340121-other-人大常委会"),
        ("安徽省合肥市长丰县政协2023年度工作报告", "安徽省合肥市长丰县政协", "340121-other-政协"),
        ("長豐縣人民法院2023年度法治建設工作報告", "長豐縣人民法院", "340121-other-人民法院"),
    ],
    ids=["party-prefix", "party-full-name", "congress", "whole-chain", "traditional-script"],
)
def test_an_other_organ_id_is_its_name_after_its_place(title, issuer, issuer_id):
    info = resolve(title=title, subject="我们")
    assert who(info) == ([issuer], "other", issuer_id, "安徽省合肥市长丰县", "county")
    assert info.warnings == []
