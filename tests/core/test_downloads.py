"""Downloads carry Chinese file names with an ASCII fallback (RFC 6266)."""

from urllib.parse import unquote

from core.downloads import content_disposition


def test_a_chinese_file_name_has_an_ascii_fallback():
    header = content_disposition("需求清单-老街巷社区-2025.xlsx", fallback="needs-list-old_street-2025.xlsx")
    assert header.startswith('attachment; filename="needs-list-old_street-2025.xlsx"; ')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "需求清单-老街巷社区-2025.xlsx"


def test_path_separators_and_quotes_never_reach_the_header():
    header = content_disposition('a/b"c\r\n.xlsx', fallback='x"y.xlsx')
    assert "\r" not in header and "\n" not in header
    assert 'filename="x_y.xlsx"' in header
    assert "/" not in unquote(header.split("''", 1)[1])
