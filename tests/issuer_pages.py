"""A report page's body around a subject, and ``regions.resolve_issuer`` on it: what the issuer tests
(test_issuer_rules, test_issuer_edges) build their cases from."""

from __future__ import annotations

from flows.normalize import regions

BODY = (
    "{year}年,{subject}坚持以习近平新时代中国特色社会主义思想为指导,深入推进法治政府建设。{extra}现将有关情况报告如下。"
)
INFERRED = "issuer not printed as an organ; inferred from the body and the page: "


def resolve(*, year: int, title=None, text=None, subject="我们", extra="", source_org=None, url=None, **hints):
    text = BODY.format(year=year, subject=subject, extra=extra) if text is None else text
    return regions.resolve_issuer(title=title, text=text, url=url, source_org=source_org, report_year=year, **hints)


def who(info) -> tuple:
    return (info.issuers, info.issuer_type, info.issuer_id, info.region_name, info.region_level)


def suining_department(department: str) -> tuple:
    """``who`` of a 遂宁市 department the body names only by its line of work (我局 + 生态环境系统)."""
    return ([f"遂宁市{department}"], "department", f"510900-dept-{department}", "四川省遂宁市", "department")
