"""A report's prose, section by section: what the scorecard's completeness and repetition read.

The 2019 and 2021 national formats have six sections (一、总体情况 · 二、主动公开政府信息情况 ·
三、收到和处理政府信息公开申请情况 · 四、政府信息公开行政复议、行政诉讼情况 ·
五、存在的主要问题及改进情况 · 六、其他需要报告的事项). Real titles vary
(「五、政府信息公开工作存在的主要问题及改进情况」), Shanghai bodies renumber them, and the free-form
reports before 2019 have their own (一、概述 · 三、政府信息依申请公开工作情况 ·
四、政府信息公开的收费及减免情况 …). So a section is known by the words of its heading, never by
its number. A report whose headings map to none of the six is one ``body`` section.

A section's text is its prose lines, normalised (full-width folded, white space dropped), one
line per line. What the national format prints in every report is left out, so an assessor's
repetition figure does not count the format: the section headings (they are the titles, not
the text), the tables (their cells are :class:`Row` items, never text), and the tables' labels
where a flattened form left them as lines of text (「一、本年新收政府信息公开申请数量」,
「本年制发件数」, a run of digits). The page chrome (title, 来源/发布时间 line) and the
signature (body and date) are left out too: they repeat every year and say nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .cells import normalise
from .documents import Document, Line

# The six sections of the national format, in order.
SECTION_KEYS = ("overview", "active", "applications", "review", "problems", "other")
# What else a report has: the text before its first heading, an annex (附件 / 统计表), or, when no
# heading maps to a section, everything as one body.
OTHER_KEYS = ("preamble", "annex", "body")

# Heading words → section, tried in this order: 「因政府信息公开申请行政复议…」 is review, not
# applications; 「…存在的主要问题及改进情况」 is problems whatever else it names;
# 「六、需要说明的其他事项与附表」 is other.
_SECTION_WORDS = (
    ("review", re.compile(r"行政复议|行政诉讼")),
    ("problems", re.compile(r"问题|改进")),
    ("other", re.compile(r"其他需要报告|其他事项|其它需要报告|其他需要说明|收费")),
    ("annex", re.compile(r"统计表|附表|附件")),
    ("applications", re.compile(r"收到和处理|依申请|公开申请")),
    ("active", re.compile(r"主动公开")),
    ("overview", re.compile(r"总体情况|概述|概况|基本情况|总体")),
)
# A top-level heading: a Chinese numeral, 、 or a dot, a short title that is not a sentence.
# 「一是…」 and 「（一）…」 are sub-headings and stay in the text.
_HEADING = re.compile(r"^#*(?P<number>[一二三四五六七八九十]{1,3})[、.](?P<title>[^。;]{2,40})[。:]?$")
# An annex: 「附件1:…统计表」, or a title line of its own (「平潭综合实验区政府信息公开情况统计表」).
_ANNEX_LINE = re.compile(r"^#*附(?:件|表)\d*[:、.]?|^[^,。;:]{0,36}(?:统计表|附表)$")
# Rows of table 三 that read like headings in a flattened form (「一、本年新收政府信息公开申请数量」).
_TABLE_ROW_HEADING = re.compile(r"数量|结转|办理结果|结果|申请人情况")

# The national format's fixed texts: table labels and notes (2019 and 2021 layouts, table
# 二 三 四), as they read after :func:`normalise`. A line that is nothing but these, numbers,
# units and punctuation is what a flattened table left behind, not prose.
NATIONAL_FORMAT_LABELS = tuple(sorted({
    # section titles (a flattened form can repeat them inside a table)
    "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项",
    # table 二
    "第二十条第(一)项", "第二十条第(五)项", "第二十条第(六)项", "第二十条第(八)项",
    "第二十条第(九)项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数",
    "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减",
    "本年处理决定数量", "处理决定数量", "本年收费金额(万元)", "采购项目数量", "采购总金额",
    "规章", "行政规范性文件", "规范性文件", "行政许可", "其他对外管理服务事项", "行政处罚",
    "行政强制", "行政事业性收费", "政府集中采购", "(万元)", "本年收费金额(单位:万元)", "(单位:万元)",
    # table 三
    "本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和", "申请人情况", "自然人",
    "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计", "小计",
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果",
    "(一)予以公开", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "(二)部分公开",
    "(三)不予公开", "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及\"三安全一稳定\"",
    "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
    "7.属于行政执法案卷", "8.属于行政查询事项", "(四)无法提供", "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确", "(五)不予处理", "1.信访举报投诉类申请",
    "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息", "(六)其他处理",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他", "(七)总计", "四、结转下年度继续办理",
    # table 四
    "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果",
    "尚未审结",
}, key=len, reverse=True))
_LABELS = re.compile("|".join(re.escape(label) for label in NATIONAL_FORMAT_LABELS))
# What is left of a table line once its labels are gone: numbers, units, signs, punctuation.
_RESIDUE = re.compile(r"[\d.,+\-/|%:;()、。“”\"'《》\[\]【】]|万元|元|件|个|项|条|次|人次")
_MEANINGFUL = 4    # fewer CJK characters than this after stripping: not prose

_CHROME = re.compile(r"^(?:来源|发布时间|发布日期|发布机构|时间|浏览次数|字体|文章来源|信息来源|索引号|您现在的位置|"
                     r"您的位置|当前位置|首页>)|【字体|打印本页|关闭窗口")
_DATE_LINE = re.compile(r"^(?:(?:19|20)\d{2}[年\-/.]\d{1,2}[月\-/.]\d{1,2}日?|"
                        r"[零〇○一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)$")
_TITLE_LINE = re.compile(r"(?:年度?|年)(?:政府)?(?:信息公开|政务公开).{0,12}(?:报告|年报)$")


@dataclass(slots=True)
class ReportSection:
    key: str             # one of SECTION_KEYS or OTHER_KEYS
    title: str | None    # the heading as printed (normalised); None for preamble and body
    text: str            # the section's prose, one normalised line per line
    position: int        # order in the document, from 1


def section_of_title(title: str) -> str | None:
    """The section a heading's words name, or None (a heading the formats do not have)."""
    if _TABLE_ROW_HEADING.search(title):
        return None
    for key, words in _SECTION_WORDS:
        if words.search(title):
            return key
    return None


# _heading and is_format_residue are pure functions of one line, asked for every line (and its
# neighbours) of every report; the format's lines come back in every report: cached, bounded.
@lru_cache(maxsize=1 << 14)
def _heading(line: str) -> tuple[str, str] | None:
    """(section key, title as printed) when the line opens a section."""
    match = _HEADING.match(line)
    key = section_of_title(match["title"]) if match else None
    if key is None and _ANNEX_LINE.match(line):
        key = "annex"
    return (key, line.lstrip("#")) if key else None


@lru_cache(maxsize=1 << 14)
def is_format_residue(line: str) -> bool:
    """A line that is nothing but the national format's labels, numbers and punctuation."""
    if len(line) > 40 and "。" in line:   # sentences: most lines, and no table's (quick to tell)
        return False
    rest = _RESIDUE.sub("", _LABELS.sub("", line))
    return len(_CJK.findall(rest)) < _MEANINGFUL


def _is_chrome(line: str, index: int, title_lines: set[str]) -> bool:
    # the title, also broken over two lines (「平潭综合实验区」「2015年度政府信息公开工作年度报告」)
    return bool(_CHROME.search(line)) or line in title_lines or (index < 12 and (
        bool(_TITLE_LINE.search(line)) or any(title.startswith(line) for title in title_lines)))


def _drop_signature(lines: list[str]) -> list[str]:
    """Without the closing date lines and the line just above each (the issuing body)."""
    drop = set()
    for i, line in enumerate(lines):
        if _DATE_LINE.match(line):
            drop.add(i)
            if i > 0 and len(lines[i - 1]) <= 30 and not re.search(r"[。,;]", lines[i - 1]):
                drop.add(i - 1)
    return [line for i, line in enumerate(lines) if i not in drop]


def _segments(text: str) -> list[str]:
    """A crawler's page text joins paragraphs, headings and table rows with single spaces into
    one long line: read its space-separated pieces as lines. A line of ordinary length is one
    line (a PDF's 「2024 年」 keeps its number)."""
    text = text.strip()
    if len(text) > _JOINED_LINE and _SPACE.search(text):
        return _SPACE.split(text)
    return [text]


def _number_in_prose(lines: list[str], i: int) -> bool:
    """A piece of a split line that is only a number between two pieces of prose (「截至 2024
    年」): part of the sentence, not a table's cell."""
    def prose(j: int) -> bool:
        return 0 <= j < len(lines) and not is_format_residue(lines[j]) and _heading(lines[j]) is None \
            and not _CHROME.search(lines[j]) and not _TITLE_LINE.search(lines[j])
    return not _CJK.search(lines[i]) and prose(i - 1) and prose(i + 1)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_JOINED_LINE = 200
_SPACE = re.compile(r"\s+")


def split_sections(doc: Document) -> list[ReportSection]:
    """The report's sections in document order, each with its prose (possibly empty: a section
    of the national format that is only a table has a heading and no text). A section the
    report names twice is one section, its texts joined. A report with no known heading is one
    ``body`` section."""
    title_lines = {normalise(doc.page_meta.get(k, "")) for k in ("ArticleTitle", "title")} - {""}
    parts: list[list] = [["preamble", None, []]]     # [key, title, lines]
    index = 0
    for item in doc.items:
        if not isinstance(item, Line):
            # Text with one cell per line has no mark where a table ends: the heading that
            # follows a table is read as the table's last cell.
            heading = _heading(normalise(item.cells[-1].text)) if item.cells else None
            if heading:
                parts.append([heading[0], heading[1], []])
            continue
        lines = [normalise(segment) for segment in _segments(item.text)]
        for i, line in enumerate(lines):
            index += 1
            if not line:
                continue
            heading = _heading(line)
            if heading:
                parts.append([heading[0], heading[1], []])
                continue
            # a date line is kept for now: _drop_signature takes it with the body above it
            if _is_chrome(line, index, title_lines) or (is_format_residue(line) and not _DATE_LINE.match(line)
                                                        and not _number_in_prose(lines, i)):
                continue
            parts[-1][2].append(line)
    if len(parts) == 1:
        parts[0][0] = "body"
    merged: dict[str, ReportSection] = {}
    for key, title, lines in parts:
        lines = _drop_signature(lines)
        if key in ("preamble", "body") and not lines:
            continue
        if key in merged:
            section = merged[key]
            section.text = "\n".join(t for t in (section.text, *lines) if t)
            if title and title not in (section.title or ""):
                section.title = f"{section.title} / {title}" if section.title else title
            continue
        merged[key] = ReportSection(key, title, "\n".join(lines), len(merged) + 1)
    return list(merged.values())
