"""Error pages served with HTTP 200 and login walls (fetch.screen), judged on short pages only."""

from __future__ import annotations

from flows.fetch.screen import SOFT_ERROR_MAX_CHARS, letters, soft_error, soft_error_reason


def test_short_error_pages_and_login_walls_are_named():
    assert soft_error_reason("404", "页面不存在 返回首页").startswith("error page served as content:")
    assert soft_error_reason(None, "抱歉，您访问的信息已删除").startswith("error page served as content:")
    assert soft_error_reason("统一身份认证", "请先登录").startswith("login wall:")
    html = '<form><input name="u"><input type="password" name="p"></form>'
    assert soft_error_reason(None, "欢迎", html) == "login wall: the page asks to log in (a password field)"


def test_a_long_page_is_content_even_when_it_quotes_an_error():
    body = "受理复议案件518件" * (SOFT_ERROR_MAX_CHARS // 8 + 1) + " 404 not found"
    assert letters(body) > SOFT_ERROR_MAX_CHARS
    assert soft_error_reason("关于2022年法治政府建设情况的报告", body) is None
    assert soft_error_reason("关于2022年法治政府建设情况的报告", "全年受理复议案件518件") is None


def test_fetch_screens_the_bytes_title_and_visible_text_only():
    page = "<html><head><title>页面不存在</title><script>var t='正文';</script></head><body>返回</body></html>"
    assert soft_error(page.encode("gb18030"), "gb18030").startswith("error page served as content:")
    # words in scripts and comments are not the page's text
    hidden = "<html><body><!-- 404 not found -->关于法治政府建设情况的报告<script>x='请登录'</script></body></html>"
    assert soft_error(hidden.encode(), "utf-8") is None


def test_letters_counts_han_latin_and_digits_up_to_a_limit():
    assert letters("法治, A1!") == 4
    assert letters("法治政府" * 100, 5) == 5
