"""The columns of a needs spreadsheet: their names, the header row that finds
them (by Chinese or English name, or a common alias), and the template."""

from __future__ import annotations

import re
import unicodedata
from contextlib import closing

from django.utils.translation import gettext as _

from communities.access import visible_communities
from communities.models import is_english

from .reading import ImportFileError

MAX_ROWS = 20_000
# The header row is the first non-blank row naming a known column, among the first few.
HEADER_SEARCH_ROWS = 5

COLUMNS = [
    ("community", "社区", "community"),
    ("date", "日期", "date"),
    ("channel", "渠道", "channel"),
    ("title", "标题", "title"),
    ("description", "描述", "description"),
    ("category", "类别", "category"),
    ("urgent", "是否紧急", "urgent"),
    ("location", "地点", "location"),
    ("resident_name", "居民姓名", "resident_name"),
    ("mobile", "手机号", "mobile"),
]
REQUIRED_COLUMNS = ("community", "date", "title", "category")

# Other headers people write for the same columns (matched after normalising, see _header_key).
_HEADER_ALIASES = {
    "community": ["社区名称", "社区代码", "村社区", "村/社区", "社区/村", "community_code", "community_name"],
    "date": ["反映日期", "提出日期", "登记日期", "raised_on", "date_raised"],
    "channel": ["收集渠道", "来源渠道", "问需渠道"],
    "title": ["需求标题", "问题标题", "需求"],
    "description": ["需求描述", "问题描述", "详细描述", "具体描述"],
    "category": ["问题类别", "需求类别", "类别代码", "分类"],
    "urgent": ["紧急", "急难愁盼", "是否急难愁盼"],
    "location": ["位置", "地址"],
    "resident_name": ["姓名", "居民", "反映人", "resident", "name"],
    "mobile": ["手机", "手机号码", "联系电话", "电话", "mobile_number", "phone"],
}

BRACKETS_RE = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def column_label(key: str) -> str:
    """A column's name as the user sees it: the Chinese header, or the English one in English."""
    for k, chinese, english in COLUMNS:
        if k == key:
            return english if is_english() else chinese
    raise KeyError(key)


def template_rows(user=None) -> tuple[list[str], list[list[str]]]:
    """Chinese headers and two example rows, for the downloadable template.

    The examples name communities the user may import into (one by its code,
    one by its name), so that the template imports as it is.
    """
    headers = [chinese for _key, chinese, _english in COLUMNS]
    own = list(
        visible_communities(user, include_archived=False).order_by("town__code", "code")[:2]
        if user is not None
        else []
    )
    first = own[0].code if own else ""
    second = own[-1].name if own else ""
    examples = [
        [
            first,
            "2024-03-05",
            "上门走访",
            "小区新能源车充电桩不足",
            "3幢附近车位多，居民希望增设充电桩",
            "新能源车充电桩增设",
            "否",
            "3幢北侧停车场",
            "张三",
            "13812345678",
        ],
        [
            second,
            "2024-03-06",
            "12345",
            "滨河路路灯不亮",
            "晚上出行不便，老人担心摔倒",
            "路灯照明",
            "是",
            "滨河路东段",
            "",
            "",
        ],
    ]
    return headers, examples


def _header_key(value) -> str:
    """A header reduced for matching: no spaces, brackets or '*', lower case."""
    text = unicodedata.normalize("NFKC", str(value)).replace("\u200b", "").replace("\ufeff", "")
    text = BRACKETS_RE.sub("", text)
    text = text.strip().strip("*:").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _header_lookup() -> dict[str, str]:
    lookup = {}
    for key, chinese, english in COLUMNS:
        for name in (chinese, english, *_HEADER_ALIASES.get(key, ())):
            lookup[_header_key(name)] = key
    return lookup


def collect(source) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """Find the header row and gather the non-blank data rows (at most MAX_ROWS)."""
    lookup = _header_lookup()
    columns: dict[str, int] | None = None
    records: list[tuple[int, tuple]] = []
    rows_before_header = 0
    with closing(source):
        for number, values in source:
            if columns is None:
                if _is_blank(values):
                    continue
                columns = _match_header(values, lookup) or None
                if columns is not None:
                    _require_columns(columns)
                    continue
                rows_before_header += 1
                if rows_before_header >= HEADER_SEARCH_ROWS:
                    break
                continue
            if all(is_blank_value(values[i]) for i in columns.values() if i < len(values)):
                continue
            if len(records) >= MAX_ROWS:
                raise ImportFileError(
                    _(
                        "The file has more than %(max)d rows of needs: split it into files of at most %(max)d rows."
                    )
                    % {"max": MAX_ROWS}
                )
            records.append((number, values))
    if columns is None:
        _require_columns({})
    return columns, records


def _require_columns(columns: dict[str, int]) -> None:
    missing = [key for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        separator = ", " if is_english() else "、"
        raise ImportFileError(
            _(
                "Columns missing from the header row: %(columns)s. The first row must hold the column names of the template."
            )
            % {"columns": separator.join(column_label(key) for key in missing)}
        )


def _match_header(values, lookup) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, value in enumerate(values):
        if is_blank_value(value):
            continue
        key = lookup.get(_header_key(value))
        if key is None:
            continue
        if key in columns:
            raise ImportFileError(
                _("The column “%(column)s” appears more than once in the header row.")
                % {"column": column_label(key)}
            )
        columns[key] = index
    return columns


def is_blank_value(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_blank(values) -> bool:
    return all(is_blank_value(v) for v in values)
