"""Synthetic rule-of-law report pages for benchmarks and tests: N issuers x Y years, deterministic.

Pages imitate what the pipeline meets on government sites: a modern ``<div>`` layout or an old
nested ``<table>`` layout, UTF-8 or GBK, with navigation, breadcrumb, info line, share and print
links and footer around the article; the article follows the section and sentence patterns of real
reports (一、/（一）/1. headings, 受理行政复议案件N件，同比增长X%，办结率Y% ...) with numbers drawn
per page. Issuers are real region names (``flows.normalize.regions.region_table``) so region resolution has
real work to do.

Everything made here is marked synthetic three ways, so it can never be published: registry entries
carry ``is_synthetic: true``, source ids start with ``synthetic-``, and every page shows the line
``SYNTHETIC TEST DATA / 合成测试数据`` in its article text.

Page ``i`` depends only on (seed, i), so pages are made on demand and never held together in memory:
``write_archive`` streams them into an archive root (objects + manifest + registry, no HTTP) and
``SyntheticServer`` answers them on 127.0.0.1 for fetch benchmarks.

This module lives in ``bench/`` (not in the ``flows`` package): tests and ``bench/run.py`` put
``bench/`` on ``sys.path`` and ``import synthetic``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SYNTHETIC_MARK = "SYNTHETIC TEST DATA / 合成测试数据"
SOURCE_PREFIX = "synthetic-"
ARCHIVE_BASE_URL = "http://synthetic.fazhi.test"  # .test is reserved: never resolves on the internet
LAST_YEAR = 2023


# -- issuers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    kind: str  # gov | joint | sfj (justice bureau) | scj (market regulation)
    name: str  # as printed, e.g. 中共朝阳市委 朝阳市人民政府
    region_name: str  # 朝阳市
    region_full_name: str  # 辽宁省朝阳市
    region_code: str
    region_level: str  # province | city | county
    self_name: str  # how the report names its own side: 我市 / 我县 / 我局

    @property
    def slug(self) -> str:
        return f"{self.region_code}-{self.kind}"


def _self_char(name: str) -> str:
    for suffix, char in (
        ("自治区", "区"),
        ("省", "省"),
        ("市", "市"),
        ("区", "区"),
        ("县", "县"),
        ("旗", "旗"),
        ("州", "州"),
        ("盟", "盟"),
    ):
        if name.endswith(suffix):
            return char
    return "市"


def _issuers_for(row: dict) -> list[Issuer]:
    name, full, level = row["name"], row["full_name"], row["level"]
    own = "我" + _self_char(name)
    base = dict(region_name=name, region_full_name=full, region_code=row["region_code"], region_level=level)
    found = [Issuer("gov", f"{name}人民政府", self_name=own, **base)]
    if not name.endswith("自治区"):
        found.append(Issuer("joint", f"中共{name}委 {name}人民政府", self_name=own, **base))
    justice = "司法厅" if level == "province" else "司法局"
    found.append(Issuer("sfj", f"{name}{justice}", self_name="我" + justice[-1], **base))
    found.append(Issuer("scj", f"{name}市场监督管理局", self_name="我局", **base))
    return found


@cache
def issuer_pool(first_year: int, last_year: int) -> tuple[Issuer, ...]:
    """Every issuer whose region kept its code and name through the whole span, in a fixed order."""
    from flows.normalize.regions import region_table

    table_last = min(last_year, 2024)
    rows = [
        row for row in region_table(None) if row["valid_from_year"] <= first_year and row["valid_to_year"] >= table_last
    ]
    rows.sort(key=lambda row: row["region_code"])
    return tuple(issuer for row in rows for issuer in _issuers_for(row))


# -- page text ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedMetric:
    """A quantitative statement put on the page, as the gold corpus would annotate it."""

    span: str
    value: float
    unit: str | None
    kind: str  # count | percent | amount | change
    qualifier: str | None = None


class _Writer:
    """Accumulates article paragraphs and the metrics planted in them."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.paragraphs: list[tuple[str, str]] = []  # (kind, text): kind h1 | p
        self.planted: list[PlantedMetric] = []

    def heading(self, text: str) -> None:
        self.paragraphs.append(("h1", text))

    def para(self, parts: list[str]) -> None:
        self.paragraphs.append(("p", "".join(parts)))

    # Numbers: each returns the printed span and records the metric.
    def count(self, low: int, high: int, unit: str, qualifier: str | None = None) -> str:
        value = self.rng.randint(low, high)
        span = f"{value}{qualifier or ''}{unit}"
        self.planted.append(PlantedMetric(span, value, unit, "count", qualifier))
        return span

    def percent(self, low: float, high: float, kind: str = "percent") -> str:
        value = round(self.rng.uniform(low, high), self.rng.choice((0, 1, 1, 2)))
        if value == int(value):
            value = int(value)
        span = f"{value}%"
        self.planted.append(PlantedMetric(span, value, "%", kind))
        return span

    def wan(self, low: float, high: float, unit: str, kind: str = "amount", qualifier: str | None = None) -> str:
        """A figure in 万 (356.8万元, 12万余份): as the gold reads it, the multiplier is applied to
        the value and the unit is what follows (元, 份)."""
        figure = round(self.rng.uniform(low, high), 1) if qualifier is None else self.rng.randint(int(low), int(high))
        span = f"{figure:g}万{qualifier or ''}{unit}"
        self.planted.append(PlantedMetric(span, round(figure * 10000), unit, kind, qualifier))
        return span


_CN_DIGITS = {2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九"}

_FILLER = (
    "坚持问题导向，找差距、补短板、强弱项，抓实抓细工作落实。",
    "进一步压实责任，确保各项任务落地见效。",
    "全面落实行政执法公示、执法全过程记录、重大执法决定法制审核“三项制度”。",
    "持续深化“放管服”改革，不断优化法治化营商环境。",
    "健全依法决策机制，严格落实公众参与、专家论证、风险评估、合法性审查和集体讨论决定程序。",
    "加强行政规范性文件监督管理，严格落实合法性审核和备案审查制度。",
    "深入推进“谁执法谁普法”普法责任制，推动普法工作由“软任务”向“硬指标”转变。",
    "推行包容审慎监管，对轻微违法行为依法不予处罚，做到宽严相济、法理相融。",
    "畅通群众诉求表达渠道，推动矛盾纠纷源头预防、前端化解。",
    "建立健全行政复议案件审理机制，发挥行政复议化解行政争议的主渠道作用。",
    "将法治建设成效作为衡量各级领导班子和领导干部工作实绩的重要内容。",
    "严格执行重大行政决策法定程序，决策质量和效率不断提高。",
    "加强法治工作队伍建设，提升运用法治思维和法治方式解决问题的能力。",
    "扎实开展“八五”普法中期评估，法治宣传教育针对性和实效性进一步增强。",
    "依托“互联网+监管”平台，推进跨部门联合监管。",
    "主动接受人大法律监督、政协民主监督，认真办理人大代表建议和政协委员提案。",
    "推进政务服务标准化、规范化、便利化，实现更多事项“一网通办”。",
    "严格落实党政主要负责人履行推进法治建设第一责任人职责规定。",
    "围绕中心、服务大局，为经济社会高质量发展提供有力法治保障。",
    "完善行政执法与刑事司法衔接机制，健全案件移送标准和程序。",
    "规范涉企行政检查，着力解决多头执法、重复执法问题。",
    "开展法治政府建设示范创建活动，发挥先进典型的示范引领作用。",
    "加强行政调解、人民调解、司法调解衔接联动，构建大调解工作格局。",
    "严格落实重大行政决策事项目录管理制度，实行清单化管理。",
    "加大政策解读力度，及时回应社会关切。",
    "建立健全领导干部应知应会法律法规清单制度。",
    "持续推进公共法律服务体系建设，实现公共法律服务实体平台全覆盖。",
    "加强应急预案管理，依法做好突发事件应对工作。",
    "推进基层综合行政执法改革，赋权事项承接有序。",
    "健全政务诚信监测治理机制，依法解决拖欠账款、拒不履行司法裁判等问题。",
)

_ITEM_HEADINGS = (
    "深化“放管服”改革",
    "持续优化法治化营商环境",
    "加强行政规范性文件管理",
    "严格执行重大行政决策程序",
    "充分发挥法律顾问作用",
    "深化行政执法体制改革",
    "全面落实行政执法“三项制度”",
    "加强行政复议工作",
    "做好行政应诉工作",
    "自觉接受人大政协监督",
    "全面推进政务公开",
    "加强政务诚信建设",
    "加大全民普法力度",
    "完善矛盾纠纷多元化解机制",
    "推进公共法律服务体系建设",
    "提升突发事件应对能力",
)

_TOPICS = (
    "依法全面履行政府职能",
    "完善依法行政制度体系",
    "推进行政决策科学化民主化法治化",
    "严格规范公正文明执法",
    "强化行政权力制约和监督",
    "依法有效化解社会矛盾纠纷",
    "全面提升政府工作人员法治思维和依法行政能力",
    "加快推进数字法治政府建设",
)


def _metric_sentences(w: _Writer, year: int) -> list[str]:
    """One pool of sentences with numbers; each call draws fresh values."""
    r = w.rng
    cn = r.randint(2, 9)
    pool = [
        lambda: (
            f"全年共受理行政复议案件{w.count(40, 2400, '件')}，同比增长{w.percent(0.5, 60, 'change')}，办结率{w.percent(90, 100)}。"
        ),
        lambda: f"办理行政应诉案件{w.count(10, 900, '件')}，行政机关负责人出庭应诉率达到{w.percent(85, 100)}。",
        lambda: f"审核行政规范性文件{w.count(5, 300, '件')}，备案审查{w.count(3, 200, '件')}。",
        lambda: f"完成{w.count(200, 9000, '名')}行政执法人员培训和执法证考试。",
        lambda: f"开展行政执法案卷评查，评查案卷{w.count(50, 3000, '份')}。",
        lambda: f"办理行政处罚案件{w.count(100, 20000, '件')}，罚没款{w.wan(10, 9000, '元')}。",
        lambda: f"办理法律援助案件{w.count(100, 8000, '件')}，为受援群众挽回经济损失{w.wan(50, 5000, '元')}。",
        lambda: f"调解各类矛盾纠纷{w.count(300, 30000, '件')}，调解成功率{w.percent(92, 99.9)}。",
        lambda: f"开展普法宣传活动{w.count(20, 900, '场', '余')}，发放宣传资料{w.wan(2, 90, '份', 'count', '余')}。",
        lambda: (
            f"12345政务服务便民热线受理群众诉求{w.count(1000, 900000, '件')}，办结率{w.percent(95, 100)}，群众满意率{w.percent(88, 99.9)}。"
        ),
        lambda: f"主动公开政府信息{w.count(500, 40000, '条')}，办理政府信息公开申请{w.count(10, 900, '件')}。",
        lambda: f"取消和下放行政许可事项{w.count(3, 120, '项')}，政务服务事项网上可办率达到{w.percent(90, 100)}。",
        lambda: f"选聘政府法律顾问{w.count(5, 60, '名')}，出具法律意见{w.count(20, 900, '件')}。",
        lambda: f"举办领导干部学法专题讲座{w.count(2, 40, '期')}，参训干部{w.count(100, 6000, '人次')}。",
        lambda: f"政府常务会议{_cn_count(w, cn, '次')}专题研究法治政府建设工作。",
        lambda: f"全年行政诉讼案件败诉率{w.percent(1, 15)}，同比下降{w.percent(0.5, 10, 'change')}。",
        lambda: f"建成公共法律服务工作站{w.count(10, 600, '个')}，村（社区）法律顾问覆盖率{w.percent(100, 100)}。",
        lambda: f"于{year}年{r.randint(1, 12)}月{r.randint(1, 28)}日起施行的{_law_name(r)}得到全面落实。",
    ]
    return [make() for make in r.sample(pool, r.randint(7, 12))]


def _cn_count(w: _Writer, value: int, unit: str) -> str:
    span = f"{_CN_DIGITS[value]}{unit}"
    w.planted.append(PlantedMetric(span, value, unit, "count"))
    return span


def _law_name(r: random.Random) -> str:
    return r.choice(
        ("《优化营商环境条例》", "《行政复议法》", "《行政处罚法》", "《法治政府建设实施纲要（2021—2025年）》")
    )


_CN_ORDINALS = "一二三四五六七八九十"


def _article(issuer: Issuer, year: int, rng: random.Random, ascii_parens: bool) -> _Writer:
    w = _Writer(rng)
    lp, rp = ("(", ")") if ascii_parens else ("（", "）")
    own = issuer.self_name
    subject = issuer.name.split(" ")[-1] if issuer.kind in ("sfj", "scj") else issuer.region_name
    w.para([SYNTHETIC_MARK, "：本页由 fazhi 基准测试生成，机构与数字均为虚构。"])
    w.para(
        [
            f"{year}年，{subject}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，",
            "认真落实党中央、国务院关于法治政府建设的决策部署，法治政府建设各项工作取得新成效。现将有关情况报告如下。",
        ]
    )
    w.heading(f"一、{year}年法治政府建设主要举措和成效")
    numbers = _metric_sentences(w, year)
    topics = rng.sample(_TOPICS, rng.randint(5, 8))
    per_topic = max(1, len(numbers) // len(topics))
    for index, topic in enumerate(topics):
        w.heading(f"{lp}{_CN_ORDINALS[index]}{rp}{topic}")
        mine = (
            numbers[index * per_topic : (index + 1) * per_topic]
            if index + 1 < len(topics)
            else numbers[index * per_topic :]
        )
        for item, lead in enumerate(rng.sample(_ITEM_HEADINGS, rng.randint(2, 4)), start=1):
            parts = [f"{item}.{lead}。"]
            parts += rng.sample(_FILLER, rng.randint(4, 9))
            if mine:
                parts.insert(rng.randint(1, len(parts)), mine.pop())
            w.para(parts)
        if mine:
            w.para(rng.sample(_FILLER, 2) + mine)
    w.heading("二、党政主要负责人履行推进法治建设第一责任人职责情况")
    w.para([f"{own}党政主要负责人切实履行推进法治建设第一责任人职责，", *rng.sample(_FILLER, rng.randint(3, 6))])
    w.heading("三、存在的问题和不足")
    w.para(
        [
            "一是个别部门运用法治思维和法治方式的能力还有待提高。",
            "二是基层行政执法规范化水平仍需提升。",
            "三是法治宣传教育的针对性和实效性有待增强。",
        ]
    )
    w.heading(f"四、{year + 1}年工作安排")
    w.para([f"{year + 1}年，{own}将", *rng.sample(_FILLER, rng.randint(3, 6))])
    return w


# -- page chrome --------------------------------------------------------------------------------


def _title(issuer: Issuer, year: int, rng: random.Random) -> str:
    if issuer.kind in ("sfj", "scj"):
        return rng.choice(
            (f"{issuer.name}{year}年法治政府建设年度报告", f"{issuer.name}关于{year}年度法治政府建设情况的报告")
        )
    printed = issuer.name
    if issuer.kind == "gov" and issuer.region_level == "county" and rng.random() < 0.5:
        printed = f"{issuer.region_full_name}人民政府"
    return rng.choice((f"{printed}关于{year}年法治政府建设情况的报告", f"{printed}{year}年法治政府建设工作报告"))


def _div_page(title: str, site: str, date: str, source: str, w: _Writer, charset: str, rng: random.Random) -> str:
    body = []
    for kind, text in w.paragraphs:
        if kind == "h1":
            body.append(f"<p><strong>\u3000\u3000{_esc(text)}</strong></p>")
        else:
            body.append(f"<p>\u3000\u3000{_esc(text)}</p>")
    views = rng.randint(10, 9999)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="fazhi-synthetic" content="true">
<title>{_esc(title)}_法治政府建设_{_esc(site)}</title>
<meta name="SiteName" content="{_esc(site)}">
<meta name="ColumnName" content="法治政府建设">
<meta name="ArticleTitle" content="{_esc(title)}">
<meta name="PubDate" content="{date} 09:{rng.randint(10, 59)}">
<meta name="ContentSource" content="{_esc(source)}">
<style>.nav li{{display:inline}}</style>
<script>var _hmt = _hmt || []; document.write("今天是:" + new Date());</script>
</head>
<body>
<div class="top">
  <div class="topbar">中国政府网|{_esc(site)} <span class="date">今天是:{rng.randint(2018, 2024)}年10月31日 星期三</span></div>
  <ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul>
  <form class="search"><input type="text" value="请输入关键字"><button>搜索</button></form>
</div>
<div class="main">
  <div class="crumb">您现在的位置:<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/fzzf/">法治政府建设</a></div>
  <div class="article">
    <h1 class="title">{_esc(title)}</h1>
    <div class="info">发布日期:{date} 来源:{_esc(source)} 浏览量:{views} 字号:[<a>大</a> <a>中</a> <a>小</a>]</div>
    <div class="share">分享到:<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
    <div class="TRS_Editor" id="zoom">
      {chr(10).join(body)}
    </div>
    <div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
  </div>
  <div class="related"><h3>相关文章</h3><ul><li><a href="/a.html">{_esc(site)}政务公开工作年度报告</a></li></ul></div>
</div>
<div class="footer">
  <p>主办:{_esc(site)}办公室 版权所有 网站标识码:{rng.randint(1000000000, 9999999999)}</p>
</div>
</body>
</html>
"""


def _table_page(title: str, site: str, date: str, source: str, w: _Writer, charset: str, rng: random.Random) -> str:
    body = []
    for kind, text in w.paragraphs:
        if kind == "h1":
            body.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;<b>{_esc(text)}</b></p>")
        else:
            body.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{_esc(text)}</p>")
    y, m, d = date.split("-")
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="fazhi-synthetic" content="true">
<title>{_esc(title)}</title>
</head>
<body topmargin="0" leftmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="120"><table width="100%"><tr><td>{_esc(site)}门户网站</td><td align="right">设为首页 | 加入收藏 | 联系我们</td></tr></table></td></tr>
  <tr><td><table width="100%" class="nav"><tr><td><a href="/">首页</a></td><td><a href="/zwgk">政务公开</a></td><td><a href="/bsfw">办事服务</a></td></tr></table></td></tr>
  <tr><td>
    <table width="100%" border="0" cellspacing="0" cellpadding="0">
      <tr>
        <td width="200" valign="top"><table><tr><td>栏目导航</td></tr><tr><td><a href="/l1">通知公告</a></td></tr><tr><td><a href="/l2">政策文件</a></td></tr></table></td>
        <td valign="top">
          <table width="100%"><tr><td class="weizhi">当前位置:<a href="/">首页</a>&gt;&gt;<a href="/zwgk">政务公开</a>&gt;&gt;<a href="/zwgk/tzgg">通知公告</a></td></tr></table>
          <table width="96%" align="center">
            <tr><td align="center" class="biaoti"><font size="4"><b>{_esc(title)}</b></font></td></tr>
            <tr><td align="center" class="time">发布时间:{y}年{m}月{d}日&nbsp;&nbsp;信息来源:{_esc(source)}&nbsp;&nbsp;点击数:{rng.randint(10, 999)}</td></tr>
            <tr><td><hr size="1"></td></tr>
            <tr><td class="content"><table width="100%"><tr><td>
              {chr(10).join(body)}
            </td></tr></table></td></tr>
            <tr><td align="right"><a href="javascript:window.print()">打印本页</a>&nbsp;&nbsp;<a href="javascript:window.close()">关闭窗口</a></td></tr>
          </table>
        </td>
      </tr>
    </table>
  </td></tr>
  <tr><td align="center" class="foot">版权所有:{_esc(site)}办公室&nbsp;&nbsp;备案号:ICP备{rng.randint(10000000, 99999999)}号</td></tr>
</table>
</body>
</html>
"""


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# -- the corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticPage:
    index: int
    source_id: str
    path: str  # url path, e.g. /2022/synthetic-211300-gov-2022.html
    issuer: Issuer
    report_year: int
    publish_date: str
    title: str
    layout: str  # div | table
    charset: str  # utf-8 | gbk | gb18030 (when a name is outside GBK)
    content_type: str  # as served
    data: bytes
    planted: tuple[PlantedMetric, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def registry_entry(self, base_url: str = ARCHIVE_BASE_URL) -> dict:
        return {
            "source_id": self.source_id,
            "url": base_url.rstrip("/") + self.path,
            "issuer": self.issuer.name,
            "region_hint": self.issuer.region_full_name,
            "report_year_hint": self.report_year,
            "notes": "synthetic benchmark page (bench/synthetic.py); never publish",
            "is_synthetic": True,
        }


class SyntheticCorpus:
    """``issuers`` x ``years`` pages (years ending at ``last_year``), page ``i`` fixed by (seed, i)."""

    def __init__(self, issuers: int, years: int, *, seed: int = 0, last_year: int = LAST_YEAR):
        if issuers < 1 or years < 1:
            raise ValueError("need at least one issuer and one year")
        self.seed, self.years, self.last_year = seed, years, last_year
        self.first_year = last_year - years + 1
        pool = list(issuer_pool(self.first_year, last_year))
        if issuers > len(pool):
            raise ValueError(
                f"only {len(pool)} issuers have a stable region over {self.first_year}-{last_year}; "
                f"asked for {issuers} (use more years)"
            )
        random.Random(f"issuers:{seed}").shuffle(pool)
        self.issuers: list[Issuer] = pool[:issuers]

    @classmethod
    def of_size(cls, documents: int, *, seed: int = 0, years: int = 5, last_year: int = LAST_YEAR) -> SyntheticCorpus:
        """About ``documents`` pages (rounded up to whole issuers), over ``years`` years."""
        return cls(issuers=-(-documents // years), years=years, seed=seed, last_year=last_year)

    def __len__(self) -> int:
        return len(self.issuers) * self.years

    def locate(self, index: int) -> tuple[Issuer, int]:
        issuer = self.issuers[index // self.years]
        return issuer, self.first_year + index % self.years

    def source_id(self, index: int) -> str:
        issuer, year = self.locate(index)
        return f"{SOURCE_PREFIX}{issuer.slug}-{year}"

    def page(self, index: int) -> SyntheticPage:
        if not 0 <= index < len(self):
            raise IndexError(index)
        issuer, year = self.locate(index)
        rng = random.Random(f"page:{self.seed}:{index}")
        layout = "div" if rng.random() < 0.6 else "table"
        charset = (
            ("utf-8" if rng.random() < 0.75 else "gbk")
            if layout == "div"
            else ("gbk" if rng.random() < 0.7 else "utf-8")
        )
        title = _title(issuer, year, rng)
        writer = _article(issuer, year, rng, ascii_parens=rng.random() < 0.3)
        date = f"{year + 1}-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}"
        site = issuer.name.split(" ")[-1] if issuer.kind in ("gov", "joint") else f"{issuer.region_name}人民政府"
        source = f"{issuer.region_name}{'司法厅' if issuer.region_level == 'province' else '司法局'}"
        render = _div_page if layout == "div" else _table_page
        html = render(title, site, date, source, writer, charset, rng)
        try:
            data = html.encode(charset)
        except UnicodeEncodeError:  # a rare character outside GBK: real sites then declare GB18030
            charset = "gb18030"
            data = render(title, site, date, source, writer, charset, rng).encode(charset)
        # Old servers often send no charset; the page's <meta> then decides.
        content_type = f"text/html; charset={charset}" if rng.random() < 0.6 else "text/html"
        source_id = self.source_id(index)
        return SyntheticPage(
            index=index,
            source_id=source_id,
            path=f"/{year}/{source_id}.html",
            issuer=issuer,
            report_year=year,
            publish_date=date,
            title=title,
            layout=layout,
            charset=charset,
            content_type=content_type,
            data=data,
            planted=tuple(writer.planted),
        )

    def pages(self) -> Iterator[SyntheticPage]:
        for index in range(len(self)):
            yield self.page(index)


# -- output (a): an archive root, no HTTP ---------------------------------------------------------


def _yaml_scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def registry_lines(entry: dict) -> str:
    fields = list(entry.items())
    first, rest = fields[0], fields[1:]
    lines = [f"  - {first[0]}: {_yaml_scalar(first[1])}"] + [f"    {key}: {_yaml_scalar(value)}" for key, value in rest]
    return "\n".join(lines) + "\n"


def write_registry(path: Path, corpus: SyntheticCorpus, base_url: str = ARCHIVE_BASE_URL) -> int:
    """``sources.yaml`` for every page of ``corpus`` (streamed); returns the number of entries."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("# Synthetic benchmark sources (bench/synthetic.py). Never publish.\nsources:\n")
        for index in range(len(corpus)):
            issuer, year = corpus.locate(index)
            source_id = corpus.source_id(index)
            handle.write(
                registry_lines(
                    {
                        "source_id": source_id,
                        "url": f"{base_url.rstrip('/')}/{year}/{source_id}.html",
                        "issuer": issuer.name,
                        "region_hint": issuer.region_full_name,
                        "report_year_hint": year,
                        "notes": "synthetic benchmark page (bench/synthetic.py); never publish",
                        "is_synthetic": True,
                    }
                )
            )
    return len(corpus)


def manifest_row(page: SyntheticPage, url: str, fetched_at: str) -> dict:
    """The row ``fetch`` would have appended for a 200 answer with this page."""
    from flows.fetch.archive import fetch_id
    from flows.fetch.encoding import detect_encoding

    encoding, encoding_source = detect_encoding(page.data, page.content_type)
    etag = f'"{page.sha256[:16]}"'
    return {
        "fetch_id": fetch_id(page.source_id, fetched_at, url),
        "source_id": page.source_id,
        "url": url,
        "final_url": url,
        "fetched_at": fetched_at,
        "http_status": 200,
        "content_type": page.content_type,
        "etag": etag,
        "last_modified": None,
        "encoding": encoding,
        "encoding_source": encoding_source,
        "snapshot_sha256": page.sha256,
        "bytes": len(page.data),
        "outcome": "new",
        "error": None,
        "is_captured_text": False,
        "parent_sha256": None,
        "response_headers": {"content-type": page.content_type, "content-length": str(len(page.data)), "etag": etag},
    }


def write_archive(
    root: Path,
    corpus: SyntheticCorpus,
    *,
    base_url: str = ARCHIVE_BASE_URL,
    fetched_at: str = "2024-06-01T00:00:00.000000Z",
    validate_every: int = 100,
) -> dict:
    """Write ``root/raw/``: objects, manifest and registry, as if every page had been fetched.

    Streams page by page (memory stays flat). Objects use the archive's layout (``flows.fetch.archive``)
    but skip its per-object fsync: this is regenerable test data, and 50,000 fsyncs would dominate.
    Every ``validate_every``-th manifest row is checked against ``schemas/fetch.schema.json`` (all
    rows come from one function; checking each costs 0.5 ms, a third of the time at 50,000 pages).
    Refuses a root whose ``raw/`` already has a registry or manifest."""
    from flows.core import contracts, layout
    from flows.fetch.archive import extension_for

    raw = Path(root) / "raw"
    if (raw / "sources.yaml").exists() or (raw / layout.MANIFEST).exists():
        raise FileExistsError(f"{raw} already holds a registry or manifest; use an empty root")
    objects = raw / layout.OBJECTS
    objects.mkdir(parents=True, exist_ok=True)
    write_registry(raw / "sources.yaml", corpus, base_url)
    totals = {"pages": 0, "bytes": 0, "metrics_planted": 0}
    with (raw / layout.MANIFEST).open("w", encoding="utf-8") as manifest:
        for page in corpus.pages():
            sha = page.sha256
            shard = objects / sha[:2]
            shard.mkdir(exist_ok=True)
            target = shard / f"{sha}.{extension_for(page.content_type)}"
            if not target.exists():
                target.write_bytes(page.data)
                os.chmod(target, 0o444)
            row = manifest_row(page, base_url.rstrip("/") + page.path, fetched_at)
            if validate_every and page.index % validate_every == 0:
                contracts.validate(row, "fetch")
            manifest.write(json.dumps(row, ensure_ascii=False) + "\n")
            totals["pages"] += 1
            totals["bytes"] += len(page.data)
            totals["metrics_planted"] += len(page.planted)
    return totals


# -- output (b): a loopback HTTP server ----------------------------------------------------------


class SyntheticServer:
    """Serves ``corpus`` on 127.0.0.1, each page made on request (nothing held in memory).

    Answers ETag / If-None-Match with 304, like a well-behaved site, so a refetch can be measured.

        with SyntheticServer(corpus) as server:
            write_registry(raw / "sources.yaml", corpus, server.base_url)
    """

    def __init__(self, corpus: SyntheticCorpus):
        self.corpus = corpus
        self._index = {f"/{corpus.locate(i)[1]}/{corpus.source_id(i)}.html": i for i in range(len(corpus))}
        self._lock = threading.Lock()
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # quiet
                pass

            def do_GET(self):
                server._answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.hits += 1
        index = self._index.get(handler.path)
        if index is None:
            body = b"not found"
            handler.send_response(404)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        page = self.corpus.page(index)
        etag = f'"{page.sha256[:16]}"'
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("Content-Type", page.content_type)
        handler.send_header("Content-Length", str(len(page.data)))
        handler.send_header("ETag", etag)
        handler.send_header("Last-Modified", formatdate(1_700_000_000, usegmt=True))
        handler.end_headers()
        handler.wfile.write(page.data)

    def __enter__(self) -> SyntheticServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
