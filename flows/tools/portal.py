"""A captured report text put back into a government portal page, as ``fazhi evaluate --html`` scores it."""

from __future__ import annotations

import html

# Site names portals put in <title>: never the report's title.
_SITE_TITLES = ("示例市人民政府门户网站", "首页", "政府信息公开", "示例县人民政府")
_NAV = "首页 政务公开 政务服务 互动交流 走进示例"
_FOOTER = "版权所有:示例市人民政府办公室 主办单位:示例市人民政府 网站标识码:1234000001 示ICP备05001234号"


def portal_page(text: str, layout: str) -> tuple[bytes, str]:
    """A captured page put back into a government portal page: ``div`` (UTF-8, a modern layout with a
    header, nav and footer) or ``table`` (GBK, the old nested-table layout); the <title> is the site's
    name, one of ``_SITE_TITLES`` chosen by the text. Every captured line is one paragraph (div) or one
    ``<br>``-separated line of a cell (table). Returns the bytes and the Content-Type."""
    lines = [html.escape(line) for line in text.split("\n")]
    site = _SITE_TITLES[len(text) % len(_SITE_TITLES)]
    nav = "".join(f'<a href="/{i}">{word}</a> ' for i, word in enumerate(_NAV.split()))
    if layout == "div":
        paragraphs = "\n".join(f"<p>{line}</p>" if line.strip() else "<p>&nbsp;</p>" for line in lines)
        page = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{site}</title></head><body>'
            f'<div class="header"><div class="logo">{site}</div><div class="nav">{nav}</div></div>'
            f'<div class="main"><div class="article">\n{paragraphs}\n</div></div>'
            f'<div class="footer">{_FOOTER}</div></body></html>'
        )
        return page.encode("utf-8"), "text/html; charset=utf-8"
    if layout == "table":
        cell = "<br>\n".join(lines)
        page = (
            f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><title>{site}</title>'
            f'</head><body><table width="100%"><tr><td>{nav}</td></tr><tr><td><table width="960"><tr>'
            f'<td class="content">\n{cell}\n</td></tr></table></td></tr><tr><td>{_FOOTER}</td></tr></table></body></html>'
        )
        return page.encode("gbk", errors="xmlcharrefreplace"), "text/html"
    raise ValueError(f"unknown portal layout {layout!r} (div or table)")
