"""Generated reports for the quality scorecard (``marts.mart_report_quality``).

The national-table panel of :mod:`samples` writes the same sentences every year with other
numbers, so every one of its reports repeats most of its previous one: useless for telling a
copied report from an original one. Here each report's prose is drawn afresh (sentences of
words drawn from a pool of the reports' own vocabulary, no digits, so the parser reads no
figure from them), and the tables come from :func:`samples.generate_panel`, so every figure
and rule is as in the panel. On top, what an assessor looks for is planted:

* ``late``: published after the deadline of the report's year and kind of body (a government
  on 15 April, a department on 20 February: late for a department, in time for a government);
* ``undated``: no publication date on the page or in the document (the scorecard says
  ``unknown``, never late);
* ``missing:<section>``: a section of the national format left out (heading and text);
* ``copied``: each prose section starts with the first ``COPIED_SHARE`` of the characters of
  the same section of the agency's report of the year before, then goes on with new text;
* ``blank_orgs``: the 法人或其他组织 columns of table 三 left blank (not fully filled).

:func:`prose_by_section` gives each report's prose as the parser must find it, keyed like
``parsing/sections.py``, so a test can compute the expected repetition itself.

Deterministic: the same seed gives the same bytes. Standard library only.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime
import html
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from . import samples

AGENCIES = (
    samples.Agency("岚溪县人民政府", "q-lanxi", 40, 0.1, "gov"),
    samples.Agency("岚溪县交通运输局", "q-lanxi-jtj", 10, 0.2, "dept"),
)
YEARS = range(2019, 2024)
COPIED_SHARE = 0.8

# (slug, year) → what is planted there.
PLANTS = {
    ("q-lanxi", 2020): ["missing:other"],
    ("q-lanxi", 2021): ["late"],
    ("q-lanxi", 2022): ["copied"],
    ("q-lanxi", 2023): ["undated"],
    ("q-lanxi-jtj", 2020): ["late"],
    ("q-lanxi-jtj", 2022): ["missing:problems", "blank_orgs"],
}
# Late dates: a government's after 31 March, a department's after 31 January.
LATE_DATES = {"gov": (4, 15), "dept": (2, 20)}

HEADINGS = {
    "overview": "一、总体情况",
    "active": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}
PROSE_SECTIONS = ("preamble", "overview", "problems", "other")

# Two-character words of the reports' vocabulary: sentences of them share few 5-grams by chance.
_WORDS = (
    "政务 公开 信息 工作 平台 制度 规范 服务 群众 政策 解读 网站 栏目 机制 培训 监督 考核 数据 质量 标准 "
    "流程 渠道 办理 保障 落实 推进 完善 加强 提升 优化 深化 健全 统筹 协调 创新 改革 发展 建设 管理 安全 "
    "审查 保密 档案 文件 目录 指南 意见 建议 提案 回应 关切 舆情 新闻 互动 交流 热线 咨询 留言 调查 征集 "
    "听证 决策 执行 评估 督查 整改 通报 基层 乡镇 街道 社区 村务 部门 单位 队伍 业务 能力 水平 意识 理念 "
    "作风 效能 实效 成效 经验 做法 亮点 特色 品牌 载体 形式 内容 范围 领域 重点 难点 环节 链条 全程 源头 "
    "动态 常态 长效 规则 清单 权力 责任 财政 预算 决算 项目 资金 民生 教育 医疗 住房 就业 社保 养老 环保 "
    "交通 水利 农业 企业 营商 环境 公路 桥梁 客运 货运 港口 航道 站点 线路 车辆 驾驶 养护 巡查 应急 防汛 "
    "冬季 夏季 节日 假期 窗口 大厅 柜台 系统 终端 接口 共享 归集 比对 核验 标注 属性 编号 索引 检索 导航 "
    "页面 入口 专题 专栏 图解 视频 音频 直播 访谈 问答 知识 案例 示范 试点 样板 台账 档期 节点 时限 进度"
).split()


@dataclass
class QualityReport:
    sample: samples.SampleReport
    prose: dict[str, list[str]]                     # section key → paragraphs (PROSE_SECTIONS)
    published: datetime.date | None                 # None: undated
    planted: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.sample.slug

    @property
    def year(self) -> int:
        return self.sample.year

    @property
    def agency(self) -> str:
        return self.sample.agency

    @property
    def source_id(self) -> str:
        return f"quality-{self.slug}-{self.year}"

    @property
    def filename(self) -> str:
        return f"{self.slug}-{self.year}.{'html' if self.sample.form == 'html' else 'txt'}"

    @property
    def kind(self) -> str:
        return next(a.kind for a in AGENCIES if a.slug == self.slug)

    @property
    def missing(self) -> set[str]:
        return {p.split(":", 1)[1] for p in self.planted if p.startswith("missing:")}


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(10, 18))]
    cut = rng.randint(4, len(words) - 4)
    return "".join(words[:cut]) + "，" + "".join(words[cut:]) + "。"


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return ["".join(_sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(count)]


def _fresh_prose(rng: random.Random, agency: str, year: int) -> dict[str, list[str]]:
    return {
        # the one sentence every report has: it names the year (the parser reads it) and the body
        "preamble": [f"本报告由{agency}编制，所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"]
        + _paragraphs(rng, 1),
        "overview": _paragraphs(rng, 3),
        "problems": _paragraphs(rng, 2),
        "other": _paragraphs(rng, 1),
    }


def _copied(previous: list[str], fresh: list[str]) -> list[str]:
    """The first COPIED_SHARE of the previous text's characters, then new text as long as the rest."""
    text = "".join(previous)
    kept = text[:round(len(text) * COPIED_SHARE)]
    new = "".join(fresh)[:len(text) - len(kept)]
    return [kept, new]


def generate_series(seed: int = 20260417) -> list[QualityReport]:
    """Two agencies (a county government and one of its departments) × 2019–2023, planted as
    ``PLANTS`` says."""
    panel = samples.generate_panel(seed=seed, years=YEARS, agency_list=AGENCIES,
                                   blank_orgs=next((AGENCIES.index(a), y) for a in AGENCIES for y in YEARS
                                                   if "blank_orgs" in PLANTS.get((a.slug, y), [])))
    rng = random.Random(seed)
    reports: list[QualityReport] = []
    previous: dict[str, QualityReport] = {}
    for sample in panel:
        planted = list(PLANTS.get((sample.slug, sample.year), []))
        prose = _fresh_prose(rng, sample.agency, sample.year)
        if "copied" in planted:
            before = previous[sample.slug]
            prose = {key: prose[key][:1] + _copied(before.prose[key][1:], prose[key][1:])
                     if key == "preamble" else _copied(before.prose[key], prose[key]) for key in PROSE_SECTIONS}
        kind = next(a.kind for a in AGENCIES if a.slug == sample.slug)
        published: datetime.date | None = sample.published
        if "late" in planted:
            published = datetime.date(sample.year + 1, *LATE_DATES[kind])
        if "undated" in planted:
            published = None
        report = QualityReport(dataclasses.replace(sample, published=published or sample.published),
                               prose, published, planted)
        reports.append(report)
        previous[sample.slug] = report
    return reports


def prose_by_section(report: QualityReport) -> dict[str, str]:
    """What the parser must find as each section's text (sections.split_sections), before its
    normalisation: the prose sections' paragraphs, one per line; the table sections empty."""
    out = {}
    for key in ("preamble", *HEADINGS):
        if key in report.missing:
            continue
        out[key] = "\n".join(report.prose.get(key, []))
    return out


def _byline(report: QualityReport) -> str:
    date = f"  发布时间：{report.published.isoformat()}" if report.published else ""
    return f"来源：{report.agency}{date}"


def render_html(report: QualityReport) -> str:
    r = report.sample
    title = html.escape(r.title, quote=False)
    out = ["<!DOCTYPE html>", "<html>", "<head>", '<meta charset="utf-8" />',
           f'<meta name="ArticleTitle" content="{html.escape(r.title)}" />', f"<title>{title}</title>",
           "</head>", "<body>", f'<div class="article_title">{title}</div>',
           f'<div class="article_extend">{html.escape(_byline(report), quote=False)}</div>',
           '<div class="TRS_Editor">', f'<p style="text-align: center;">{title}</p>']
    for block in _blocks(report):
        if isinstance(block, str):
            out.append(f"<p>{html.escape(block, quote=False)}</p>")
        else:
            out.extend(samples._html_table(block))
    out += ["</div>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def render_text(report: QualityReport) -> str:
    """Flattened text, one cell per line between ``|`` lines (as samples.render_text)."""
    parts = [report.sample.title + "\n", _byline(report) + "\n"]
    for block in _blocks(report):
        parts.append(block + "\n" if isinstance(block, str) else samples._text_table(block))
    return "".join(parts)


def _blocks(report: QualityReport) -> list:
    """Paragraphs (str) and tables (rows of cells) in document order."""
    r = report.sample
    tables = {"active": samples._table_two, "applications": samples._table_three, "review": samples._table_four}
    blocks: list = list(report.prose["preamble"])
    for key, heading in HEADINGS.items():
        if key in report.missing:
            continue
        blocks.append(heading)
        if key in tables:
            blocks.append(tables[key](r))
        else:
            blocks.extend(report.prose[key])
    return blocks


def render(report: QualityReport) -> str:
    return render_html(report) if report.sample.form == "html" else render_text(report)


def write_series(folder: Path, catalogue_csv: Path, reports: list[QualityReport]) -> None:
    """Each report's document in ``folder`` and a catalogue listing them (source ids
    ``quality-<slug>-<year>``, locations relative to the catalogue)."""
    folder.mkdir(parents=True, exist_ok=True)
    catalogue_csv.parent.mkdir(parents=True, exist_ok=True)
    for report in reports:
        (folder / report.filename).write_bytes(render(report).encode("utf-8"))
    with catalogue_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["source_id", "agency", "year", "location"])
        for report in reports:
            location = Path(os.path.relpath(folder / report.filename, catalogue_csv.parent))
            writer.writerow([report.source_id, report.agency, report.year, location.as_posix()])
