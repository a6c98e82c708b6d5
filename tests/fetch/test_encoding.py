import codecs

import pytest

from flows.fetch.encoding import decode, detect_encoding, normalize_label

# Long enough for a statistical detector to have something to go on.
REPORT = (
    "中共朝阳市委 朝阳市人民政府关于2022年法治政府建设情况的报告\n"
    "2022年，市委、市政府坚持以习近平新时代中国特色社会主义思想为指导，深入学习宣传贯彻习近平法治思想，"
    "加快推进法治政府建设，不断提高依法行政能力，为推动高质量发展提供了强有力的法治保障。现将有关情况报告如下。\n"
    "一、法治政府建设主要举措和成效\n（一）深入学习宣传贯彻党的二十大精神，加强全面依法治国理论阐释。"
    "全年组织专题学习12次，举办法治讲座30余场，覆盖干部职工5000余人次。\n"
)


def page(charset_meta: str | None, body: str = REPORT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>报告</title></head><body><p>{body}</p></body></html>"


def test_gb2312_label_with_gb18030_only_characters_decodes_exactly():
    text = page("gb2312", "市委·市政府——法治政府建设" + REPORT)
    data = text.encode("gb18030")
    # Read by its label, GB2312 turns · and — into the katakana middle dot and a horizontal bar.
    assert data.decode("gb2312", errors="replace") != text
    for header in ("text/html; charset=gb2312", "text/html; charset=GB_2312-80", None):
        encoding, source = detect_encoding(data, header)
        assert encoding == "gb18030"
        assert source == ("http" if header else "meta")
        assert decode(data, encoding) == text


def test_bom_wins_over_every_label():
    text = page("gbk")
    assert detect_encoding(codecs.BOM_UTF8 + text.encode("utf-8"), "text/html; charset=gbk") == ("utf-8", "bom")
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    assert detect_encoding(data, None) == ("utf-16-le", "bom")
    assert decode(data, "utf-16-le") == text


def test_http_charset_before_meta():
    data = page("utf-8").encode("gbk")
    assert detect_encoding(data, "text/html; charset=GBK") == ("gb18030", "http")


def test_meta_charset_forms_and_xml_declaration():
    gbk = REPORT.encode("gbk")
    assert detect_encoding(b'<html><head><meta charset="gbk"></head>' + gbk, "text/html") == ("gb18030", "meta")
    assert detect_encoding(b"<?xml version='1.0' encoding='GB2312'?><html>" + gbk, None) == ("gb18030", "meta")
    assert detect_encoding(b"<html><head><meta charset=big5>" + REPORT.encode("big5hkscs", "ignore"), None) == (
        "big5hkscs",
        "meta",
    )


def test_meta_inside_a_comment_is_ignored():
    data = b'<html><!-- <meta charset="iso-8859-1"> --><body>' + REPORT.encode("utf-8")
    assert detect_encoding(data, None) == ("utf-8", "utf8")


def test_label_that_does_not_decode_the_bytes_is_not_trusted():
    text = page("gbk")
    data = text.encode("gbk")
    # Server says UTF-8 but serves GBK: the page's own meta decides.
    encoding, source = detect_encoding(data, "text/html; charset=utf-8")
    assert (encoding, source) == ("gb18030", "meta")
    assert decode(data, encoding) == text


def test_latin1_server_default_does_not_override_utf8_bytes():
    data = page(None).encode("utf-8")
    assert detect_encoding(data, "text/html; charset=ISO-8859-1") == ("utf-8", "utf8")
    assert detect_encoding(b"<html>plain ascii</html>", "text/html; charset=iso-8859-1") == ("cp1252", "http")


def test_unlabelled_gbk_is_detected():
    text = page(None)
    data = text.encode("gbk")
    encoding, source = detect_encoding(data, "text/html")
    assert source == "detector"
    assert decode(data, encoding) == text


def test_unlabelled_utf8_and_a_body_cut_mid_character():
    data = page(None).encode("utf-8")
    assert detect_encoding(data, None) == ("utf-8", "utf8")
    assert detect_encoding(data[: -len("</p></body></html>") - 1], None) == ("utf-8", "utf8")


@pytest.mark.parametrize(
    "label, expected",
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("GB_2312-80", "gb18030"),
        ("cp936", "gb18030"),
        ("Big5", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("utf-8", "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("shift_jis", "shift_jis"),
        ("no-such-charset", None),
        ("", None),
    ],
)
def test_normalize_label(label, expected):
    assert normalize_label(label) == expected
