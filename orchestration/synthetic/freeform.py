"""Free-form sample reports (the pre-2019 style) generated from known numbers.

The free-form documents of the real corpus are few; these are many, and every figure in them
is known in advance. A panel of invented agencies (governments and departments) over
consecutive years; each report is prose with its figures written in digits or in Chinese
numerals (一件, 两起, 十二件), statements of none (「未收到…申请」, 「未发生…行政复议、行政
诉讼」, 「未收取任何费用」), distractor sentences carrying other numbers (「发布政务信息2600余条」,
「受理行政审批服务事项…件」, a 「全市」 figure in a department's report, 「其中」 sub-counts, the
cumulative 「历年累计」 figure, the figure of another platform), and, in most years, an annex
「政府信息公开情况统计表」 with the columns 本年度 and 历年累计, in one of two Fujian row styles
(six application channels and 否决公开 as in pingtan-syq-2011; three channels, 其他类型答复 and
a fee row as in pingtan-2015). The cumulative column chains: ``cumulative(Y) =
cumulative(Y−1) + year(Y)`` for every row (R11), and the annex adds up (R10).

Forms (``FORMS``): ``html`` — a page in the structure of the re-rendered pingtan pages (the
annex an HTML table with a 计量单位 column); ``text`` — a scraped page in the form of
seed-yanping-2018.txt (one paragraph a line, the annex as whitespace-separated rows under
「指 标 名 称 计量单位 2018年度 历年累计」, no unit cells).

Ground truth (:func:`ground_truth`): what the parser must read — every annex cell (a blank
cumulative cell is ``None``) and the prose figures of the keys the annex lacks; a report whose
prose disagrees with its annex on purpose lists it under ``planted`` (``"R8:<key>"``), its
annex value is the truth, and the parser records a ``r8_prose_differs`` issue. Numbers that must
never become values are under ``distractors`` (all distinct from every true value of the report).

Deterministic: the same seed gives the same bytes. Standard library only.

One module on purpose: the annex rows, the prose sentences and the ground truth are drawn from
one random stream in a fixed order, so splitting them would make the byte-for-byte determinism
depend on import order across files.
"""
from __future__ import annotations

import datetime
import html
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

FORMS = ("html", "text")
FORM_SUFFIXES = {"html": ".html", "text": ".txt"}

#: The annex rows of each style: (key, label, unit). Order as printed.
ANNEX_STYLES = {
    "six_channels": [
        ("legacy.active.total", "主动公开信息数", "条"),
        ("legacy.active.website", "其中：1.网站公开", "条"),
        ("legacy.active.gazette", "2.政府公报公开", "条"),
        ("legacy.apps.total", "受理依申请公开信息总数", "条"),
        ("legacy.apps.in_person", "其中：1.当面申请数", "条"),
        ("legacy.apps.fax", "2.传真申请数", "条"),
        ("legacy.apps.email", "3.电子邮件申请数", "条"),
        ("legacy.apps.online", "4.网上申请数", "条"),
        ("legacy.apps.letter", "5.信函申请数", "条"),
        ("legacy.apps.other_channel", "6.其它形式申请数", "条"),
        ("legacy.replies.total", "对申请的答复数", "条"),
        ("legacy.replies.granted", "其中：1.同意公开答复数", "条"),
        ("legacy.replies.partially_granted", "2.同意部分公开答复数", "条"),
        ("legacy.replies.denied", "3.否决公开答复数", "条"),
        ("legacy.review.total", "行政复议数", "件"),
        ("legacy.litigation.total", "行政诉讼数", "件"),
        ("legacy.appeals.total", "行政申诉数", "件"),
    ],
    "three_channels": [
        ("legacy.active.total", "主动公开文件数", "条"),
        ("legacy.active.website", "其中：1、政府网站公开数", "条"),
        ("legacy.active.gazette", "2、政府公报公开数", "条"),
        ("legacy.apps.total", "受理政府信息公开申请总数", "件"),
        ("legacy.apps.in_person", "其中：1、当面申请数", "件"),
        ("legacy.apps.online", "2、网上申请数", "件"),
        ("legacy.apps.letter_fax", "3、信函、传真申请数", "件"),
        ("legacy.replies.total", "对申请的答复总数", "件"),
        ("legacy.replies.granted", "其中：1、同意公开答复数", "件"),
        ("legacy.replies.partially_granted", "2、同意部分公开答复数", "件"),
        ("legacy.replies.denied", "3、不予公开答复数", "件"),
        ("legacy.replies.other", "4、其他类型答复数", "件"),
        ("legacy.fees.amount_yuan", "政府信息公开收费减免金额", "元"),
        ("legacy.appeals.total", "接受行政申诉、举报数", "件"),
        ("legacy.review.total", "行政复议数", "件"),
        ("legacy.litigation.total", "行政诉讼数", "件"),
    ],
}
_CHANNELS = {"six_channels": ("in_person", "fax", "email", "online", "letter", "other_channel"),
             "three_channels": ("in_person", "online", "letter_fax")}
_REPLIES = {"six_channels": ("granted", "partially_granted", "denied"),
            "three_channels": ("granted", "partially_granted", "denied", "other")}
#: The keys the prose of every report states (docs/metrics.md: applications, proactive disclosure,
#: reviews, lawsuits, fees).
PROSE_KEYS = ("legacy.active.total", "legacy.apps.total", "legacy.review.total",
              "legacy.litigation.total", "legacy.fees.amount_yuan")


@dataclass(frozen=True)
class _Agency:
    name: str
    slug: str
    kind: str            # "gov" (its report sums its jurisdiction) or "dept" (itself only)
    scale: int           # typical applications a year
    style: str           # annex row style
    area: str            # 区 / 县 / 市: how the prose names the jurisdiction (全区, 区直 …)


AGENCIES = (
    _Agency("澜川市云溪区人民政府", "ff-yunxi", "gov", 30, "three_channels", "区"),
    _Agency("澜川市教育局", "ff-lanchuan-jyj", "dept", 6, "six_channels", "市"),
    _Agency("青禾县人民政府", "ff-qinghe", "gov", 12, "six_channels", "县"),
    _Agency("石岭市卫生和计划生育委员会", "ff-shiling-wjw", "dept", 9, "three_channels", "市"),
)


@dataclass
class FreeformReport:
    agency: str
    slug: str
    kind: str
    style: str
    area: str
    year: int
    form: str
    published: datetime.date
    signed: datetime.date
    has_annex: bool
    annex: dict[str, int | None]          # key (and key.cumulative) → printed value (None = blank)
    prose: dict[str, int]                 # what the prose states, per PROSE_KEYS
    metrics: dict[str, int | float | None]  # the ground truth the parser must read
    fee_unit: str = "元"                  # how the annex prints the fee row: 元 or 万元
    numerals: bool = False               # small counts in Chinese numerals
    platforms: bool = False              # the prose names the city's platform and its own
    title_niandu: bool = False
    cn_signature: bool = False           # signature date in Chinese numerals (二〇一六年…)
    distractors: dict[str, int] = field(default_factory=dict)
    planted: list[str] = field(default_factory=list)
    cumulative: dict[str, int] = field(default_factory=dict)   # 历年累计 as the prose states it

    @property
    def filename(self) -> str:
        return f"{self.slug}-{self.year}{FORM_SUFFIXES[self.form]}"

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年{'度' if self.title_niandu else ''}政府信息公开工作年度报告"

    @property
    def scope(self) -> str:
        return "jurisdiction" if self.kind == "gov" else "agency"


# ---- numbers -------------------------------------------------------------------------------

def _leaves(style: str) -> list[str]:
    return (["legacy.active.website", "legacy.active.gazette"]
            + [f"legacy.apps.{c}" for c in _CHANNELS[style]]
            + [f"legacy.replies.{r}" for r in _REPLIES[style]]
            + ["legacy.review.total", "legacy.litigation.total", "legacy.appeals.total"]
            + (["legacy.fees.amount_yuan"] if style == "three_channels" else []))


def _with_totals(leaf: dict[str, int], style: str) -> dict[str, int]:
    out = dict(leaf)
    out["legacy.active.total"] = leaf["legacy.active.website"] + leaf["legacy.active.gazette"]   # R10
    out["legacy.apps.total"] = sum(leaf[f"legacy.apps.{c}"] for c in _CHANNELS[style])
    out["legacy.replies.total"] = sum(leaf[f"legacy.replies.{r}"] for r in _REPLIES[style])
    return out


def _draw_year(rng: random.Random, agency: _Agency) -> dict[str, int]:
    gov = agency.kind == "gov"
    leaf = {"legacy.active.website": rng.randint(800, 6000) if gov else rng.randint(40, 600),
            "legacy.active.gazette": rng.randint(0, 60) if gov else rng.randint(0, 4)}
    channels = _CHANNELS[agency.style]
    apps = 0 if rng.random() < 0.3 else rng.randint(1, agency.scale)
    split = dict.fromkeys(channels, 0)
    for c in rng.choices(channels, weights=[5, 1, 1, 4, 2, 1][: len(channels)], k=apps):
        split[c] += 1
    leaf.update({f"legacy.apps.{c}": n for c, n in split.items()})
    replies = _REPLIES[agency.style]
    types = dict.fromkeys(replies, 0)
    for r in rng.choices(replies, weights=[8, 2, 1, 1][: len(replies)], k=apps):
        types[r] += 1
    leaf.update({f"legacy.replies.{r}": n for r, n in types.items()})
    leaf["legacy.review.total"] = rng.randint(1, 3) if apps and rng.random() < 0.35 else 0
    leaf["legacy.litigation.total"] = rng.randint(1, 2) if apps and rng.random() < 0.25 else 0
    leaf["legacy.appeals.total"] = rng.randint(1, 4) if rng.random() < 0.2 else 0
    if agency.style == "three_channels":
        leaf["legacy.fees.amount_yuan"] = rng.randint(2, 60) * 10 if apps and rng.random() < 0.35 else 0
    return _with_totals(leaf, agency.style)


def _draw_base(rng: random.Random, agency: _Agency) -> dict[str, int]:
    """The cumulative figures of the year before the panel's first."""
    gov = agency.kind == "gov"
    leaf = {k: 0 for k in _leaves(agency.style)}
    leaf["legacy.active.website"] = rng.randint(2000, 30000) if gov else rng.randint(100, 3000)
    leaf["legacy.active.gazette"] = rng.randint(0, 200) if gov else 0
    for c in _CHANNELS[agency.style]:
        leaf[f"legacy.apps.{c}"] = rng.randint(0, agency.scale)
    apps = sum(leaf[f"legacy.apps.{c}"] for c in _CHANNELS[agency.style])
    leaf[f"legacy.replies.{_REPLIES[agency.style][0]}"] = apps
    leaf["legacy.review.total"] = rng.randint(0, 3)
    return _with_totals(leaf, agency.style)


# ---- Chinese numerals ----------------------------------------------------------------------

_CN = "零一二三四五六七八九"


def chinese(n: int, two: str = "两") -> str:
    """1 → 一, 2 → 两 (before a measure word), 12 → 十二, 20 → 二十, 35 → 三十五 (0 < n < 100)."""
    if not 0 < n < 100:
        raise ValueError(n)
    if n == 2:
        return two
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _CN[tens]) + "十" if tens else "") + (_CN[ones] if ones else "")


def _cn_date(d: datetime.date) -> str:
    year = "".join("〇一二三四五六七八九"[int(ch)] for ch in str(d.year))
    return f"{year}年{chinese(d.month, '二')}月{chinese(d.day, '二')}日"


# ---- the panel -----------------------------------------------------------------------------

#: Public name of the agency record, for generators that bring their own agencies.
Agency = _Agency


def generate_panel(seed: int = 20120101, agencies: int = len(AGENCIES),
                   years: range = range(2012, 2019), forms: tuple[str, ...] = FORMS, *,
                   agency_list=None, r8_plants=None, blank_cumulative=None,
                   prose_only=None) -> list[FreeformReport]:
    """``agencies`` agencies × consecutive ``years``. Agency ``a`` in year index ``y`` has form
    ``forms[(a + y) % len(forms)]`` and no annex (prose only) when ``(y + a // 2) % 4 == 3``, so
    both forms occur with and without an annex. The second report with an annex of agency 0 has
    prose that disagrees with its annex on 主动公开 (planted R8), and its third report (HTML by
    default) leaves the 公报 历年累计 cell blank. The cumulative figures chain through the
    prose-only years too (the annex of the next year continues from them).

    Optional, for larger generated corpora: ``agency_list`` (``Agency`` records) replaces the
    built-in ``AGENCIES`` (all of them are used, ``agencies`` is ignored); ``r8_plants`` and
    ``blank_cumulative``, collections of ``(agency index, year)``, replace the default choice
    of the reports whose prose disagrees with the annex and whose 公报 历年累计 cell is blank
    (each applies only where the report has an annex); ``prose_only``, a collection of
    ``(agency index, year)``, replaces the default choice of the reports without an annex.
    Without them the panel is as before."""
    pool = AGENCIES
    if agency_list is not None:
        pool = tuple(agency_list)
        agencies = len(pool)
        if not agencies:
            raise ValueError("agency_list is empty")
    elif not 0 < agencies <= len(AGENCIES):
        raise ValueError(f"agencies must be between 1 and {len(AGENCIES)}")
    if years.step != 1 or not len(years):
        raise ValueError("years must be consecutive and not empty")
    if not forms or any(f not in FORMS for f in forms):
        raise ValueError(f"forms must be a non-empty selection of {FORMS}")
    rng = random.Random(seed)
    reports: list[FreeformReport] = []
    for a_index, agency in enumerate(pool[:agencies]):
        cumulative = _draw_base(rng, agency)
        annexed = 0
        for y_index, year in enumerate(years):
            values = _draw_year(rng, agency)
            cumulative = {k: cumulative[k] + values[k] for k in cumulative}      # R11
            if prose_only is None:
                has_annex = (y_index + a_index // 2) % 4 != 3
            else:
                has_annex = (a_index, year) not in prose_only
            form = forms[(a_index + y_index) % len(forms)]
            keys = [k for k, _, _ in ANNEX_STYLES[agency.style]]
            annex: dict[str, int | None] = {}
            if has_annex:
                for k in keys:
                    annex[k] = values[k]
                    annex[k + ".cumulative"] = cumulative[k]
            planted = []
            if blank_cumulative is None:
                blank = a_index == 0 and y_index == 2 and has_annex and form == "html"
            else:
                blank = has_annex and (a_index, year) in blank_cumulative
            if blank:
                annex["legacy.active.gazette.cumulative"] = None
            prose = {k: values.get(k, 0) for k in PROSE_KEYS}
            if agency.style != "three_channels":
                # No fee row in this annex style: the prose states the fees (none, or a few yuan).
                prose["legacy.fees.amount_yuan"] = rng.randint(2, 30) * 10 if values["legacy.apps.total"] \
                    and rng.random() < 0.3 else 0
            if has_annex:
                annexed += 1
                if (a_index == 0 and annexed == 2) if r8_plants is None else (a_index, year) in r8_plants:
                    prose["legacy.active.total"] = values["legacy.active.total"] + rng.randint(300, 900)
                    planted.append("R8:legacy.active.total")
            metrics = dict(annex)
            for k in PROSE_KEYS:
                metrics.setdefault(k, prose[k])
            if agency.kind == "gov":
                published = datetime.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
            else:
                published = datetime.date(year + 1, 1, rng.randint(8, 31))
            signed = published - datetime.timedelta(days=rng.randint(0, 6))
            report = FreeformReport(
                agency=agency.name, slug=agency.slug, kind=agency.kind, style=agency.style,
                area=agency.area, year=year, form=form, published=published, signed=signed,
                has_annex=has_annex, annex=annex, prose=prose, metrics=metrics,
                fee_unit="万元" if agency.style == "three_channels" and rng.random() < 0.4 else "元",
                numerals=rng.random() < 0.5, platforms=agency.kind == "dept" and rng.random() < 0.5,
                title_niandu=rng.random() < 0.4, cn_signature=rng.random() < 0.3, planted=planted)
            report.cumulative = {k: cumulative[k] for k in ("legacy.active.total", "legacy.apps.total")}
            report.distractors = _draw_distractors(rng, report)
            reports.append(report)
    return reports


def _draw_distractors(rng: random.Random, r: FreeformReport) -> dict[str, int]:
    """Numbers in the prose that are not the report's figures, each distinct from every
    number the parser must read and from each other."""
    taken = {v for v in r.metrics.values() if v is not None} | set(r.prose.values())
    out: dict[str, int] = {}

    def draw(name: str, lo: int, hi: int) -> None:
        while True:
            n = rng.randint(lo, hi)
            if n not in taken:
                taken.add(n)
                out[name] = n
                return

    draw("posts", 6, 60)              # ×100, 「发布政务信息2600余条」
    out["posts"] *= 100
    draw("interpretations", 3, 80)
    draw("approvals", 1000, 30000)    # 受理行政审批服务事项…件
    draw("hotline", 500, 9000)        # 12345 热线受理诉求…件
    draw("visits", 10000, 500000)     # 访问量…人次
    draw("trainees", 50, 900)
    draw("reviews_as_organ", 5, 60)   # reviews the government decided as the review body
    draw("admin_fees_wan", 100, 9000)  # 行政事业性收费…万元
    # Sub-counts (「其中」) of the year's disclosures: two parts that add up to the total.
    total = r.prose["legacy.active.total"]
    for _ in range(1000):
        part = rng.randint(1, total - 1)
        if part not in taken and total - part not in taken and part != total - part:
            break
    out["active_part_own"], out["active_part_sub"] = part, total - part
    taken |= {part, total - part}
    if r.kind == "dept":
        draw("city_active", 20000, 90000)   # 全市 figures in a department's report
        draw("city_apps", 100, 900)
    if r.platforms:
        draw("other_platform", 10, 400)     # the figure on the city's platform
    return out


# ---- prose ---------------------------------------------------------------------------------

def _count(r: FreeformReport, n: int, unit: str = "件") -> str:
    if r.numerals and 0 < n < 100:
        return chinese(n) + unit
    return f"{n}{unit}"


def _sections(r: FreeformReport) -> list[tuple[str, list[str]]]:
    d, p, y = r.distractors, r.prose, r.year
    gov = r.kind == "gov"
    we = f"我{r.area}" if gov else "本机关"
    whole = f"全{r.area}" if gov else "本机关"
    area = r.area
    intro = (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，汇总{area}政府各部门、"
             f"各乡镇人民政府（街道办事处）的政府信息公开年度报告编制而成。" if gov else
             f"本报告由{r.agency}办公室根据《中华人民共和国政府信息公开条例》（以下简称《条例》）编制。")
    intro += (f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
              f"如对本报告有任何疑问，请与{r.agency}办公室联系（电话：0591-{d['approvals'] + 2300000}）。")
    overview = [
        f"{y}年，{we}认真贯彻落实《条例》，全年通过门户网站发布政务信息{d['posts']}余条，"
        f"发布政策解读{d['interpretations']}篇，组织业务培训{_count(r, 3, '场次')}、培训{d['trainees']}人次。",
        f"{y}年，{'政务服务中心' if gov else we}受理行政审批服务事项{d['approvals']}件，"
        f"12345便民服务热线受理群众诉求{d['hotline']}件，政府信息公开专栏访问量达{d['visits']}人次。",
        (f"{y}年，{we}作为复议机关共办理各类行政复议案件{d['reviews_as_organ']}件，"
         f"全年行政事业性收费{d['admin_fees_wan']}万元。" if gov else
         f"{y}年，{we}依法收取行政事业性收费{d['admin_fees_wan']}万元，均按规定公示收费标准。"),
    ]
    active = []
    if r.kind == "dept":
        active.append(f"{y}年，全市各级行政机关共主动公开政府信息{d['city_active']}条，"
                      f"共受理政府信息公开申请{d['city_apps']}件。")
    if r.platforms:
        active.append(f"本年度在市级政府信息公开平台主动公开政府信息{d['other_platform']}条，"
                      f"在本级政府信息公开平台主动公开政府信息{p['legacy.active.total']}条。")
    else:
        active.append(f"{y}年，{whole}主动公开政府信息{p['legacy.active.total']}条。")
    if gov:
        active.append(f"其中，{area}政府及{area}直各部门主动公开政府信息{d['active_part_own']}条，"
                      f"各乡镇（街道）主动公开政府信息{d['active_part_sub']}条。")
    else:
        active.append(f"其中，业务工作类信息{d['active_part_own']}条，机构职能及其他类信息{d['active_part_sub']}条。")
    active.append(f"截至{y}年底，历年累计主动公开政府信息{r.cumulative['legacy.active.total']}条。")

    apps = p["legacy.apps.total"]
    requests = []
    if apps == 0:
        requests.append(f"{y}年，{whole}未收到政府信息公开申请。")
    else:
        channels = "、".join(f"{label}{_count(r, r.annex.get(f'legacy.apps.{c}') or 0)}"
                            for c, label in (("in_person", "当面申请"), ("online", "网上申请"))
                            if r.annex.get(f"legacy.apps.{c}"))
        requests.append(f"{y}年，{whole}共受理政府信息公开申请{_count(r, apps)}"
                        + (f"，其中{channels}" if channels else "") + "，均已按期答复。")
    requests.append(f"截至{y}年底，历年累计受理政府信息公开申请{r.cumulative['legacy.apps.total']}件。")

    fees = p["legacy.fees.amount_yuan"]
    fee_text = [f"{y}年，{we}依申请提供政府信息未收取任何费用。" if fees == 0 else
                f"{y}年，{we}依申请提供政府信息收取检索、复制费用{fees}元，未减免。"]

    review, lawsuits = p["legacy.review.total"], p["legacy.litigation.total"]
    if review == 0 and lawsuits == 0:
        appeal = f"{y}年，{we}未发生因政府信息公开引发的行政复议、行政诉讼案件。"
    elif lawsuits == 0:
        appeal = (f"{y}年，{we}因政府信息公开被申请行政复议{_count(r, review, '起')}，"
                  "未发生因政府信息公开引发的行政诉讼。")
    elif review == 0:
        appeal = (f"{y}年，{we}未发生因政府信息公开引发的行政复议，"
                  f"因政府信息公开被提起行政诉讼{_count(r, lawsuits)}。")
    else:
        appeal = (f"{y}年，{we}因政府信息公开被申请行政复议{_count(r, review, '起')}，"
                  f"被提起行政诉讼{_count(r, lawsuits)}。")

    return [
        ("", [intro]),
        ("一、概述", overview),
        ("二、主动公开政府信息情况", active),
        ("三、政府信息依申请公开情况", requests),
        ("四、政府信息公开的收费及减免情况", fee_text),
        ("五、因政府信息公开申请行政复议、提起行政诉讼的情况", [appeal]),
        ("六、政府信息公开工作存在的主要问题及改进情况",
         ["存在的主要问题：一是公开内容不够深化；二是依申请公开工作机制有待规范。下一步，"
          f"{we}将进一步加强培训指导，规范政府信息公开行为。"]),
    ]


def _annex_heading(r: FreeformReport) -> str:
    return "七、政府信息公开情况统计表"


def _value_text(r: FreeformReport, key: str, value: int | None) -> str:
    if value is None:
        return ""
    if key.startswith("legacy.fees.amount_yuan") and r.fee_unit == "万元":
        text = f"{value / 10000:.4f}".rstrip("0").rstrip(".")
        return text
    return str(value)


def _annex_rows(r: FreeformReport) -> list[tuple[str, str, str, str]]:
    """(label, unit, year cell, cumulative cell) per annex row."""
    rows = []
    for key, label, unit in ANNEX_STYLES[r.style]:
        if key == "legacy.fees.amount_yuan":
            unit = r.fee_unit
        rows.append((label, unit, _value_text(r, key, r.annex[key]),
                     _value_text(r, key, r.annex[key + ".cumulative"])))
    return rows


def _signature(r: FreeformReport) -> list[str]:
    signed = _cn_date(r.signed) if r.cn_signature else f"{r.signed.year}年{r.signed.month}月{r.signed.day}日"
    return [r.agency, signed]


def _byline(r: FreeformReport) -> str:
    return f"来源：{r.agency}办公室  发布时间：{r.published.isoformat()}"


# ---- renderers -----------------------------------------------------------------------------

def render_html(r: FreeformReport) -> str:
    title = html.escape(r.title, quote=False)
    out = ["<!DOCTYPE html>", "<html>", "<head>", '<meta charset="utf-8" />',
           f'<meta name="ArticleTitle" content="{html.escape(r.title)}" />', f"<title>{title}</title>",
           "</head>", "<body>", f'<div class="article_title">{title}</div>',
           f'<div class="article_extend">{html.escape(_byline(r), quote=False)}</div>',
           '<div class="TRS_Editor">', f'<p style="text-align: center;">{title}</p>']

    def paragraphs(texts):
        out.extend(f"<p>{html.escape(t, quote=False)}</p>" for t in texts)

    for heading, texts in _sections(r):
        paragraphs(([heading] if heading else []) + texts)
    paragraphs(_signature(r))
    if r.has_annex:
        paragraphs([_annex_heading(r)])
        out += ['<table border="1" cellspacing="0" cellpadding="0">', "<tbody>",
                f"<tr><td>指标名称</td><td>计量单位</td><td>{r.year}年度</td><td>历年累计</td></tr>"]
        for label, unit, year, cumulative in _annex_rows(r):
            cells = (label, unit, year or "&nbsp;", cumulative or "&nbsp;")
            out.append("<tr>" + "".join(f"<td>{c if c == '&nbsp;' else html.escape(c, quote=False)}</td>"
                                        for c in cells) + "</tr>")
        out += ["</tbody>", "</table>"]
    out += ["</div>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def render_text(r: FreeformReport) -> str:
    """A scraped page as seed-yanping-2018.txt has it: one paragraph a line, blank lines
    between, the annex as whitespace-separated rows (label and numbers, no unit cells)."""
    lines = [f"您现在的位置：{r.agency}", "", r.title, "", f"发布时间：{r.published.isoformat()}     【字体：", ""]
    for heading, texts in _sections(r):
        for text in ([heading] if heading else []) + texts:
            lines += [text, ""]
    if r.has_annex:
        lines += [_annex_heading(r), "", f"指 标 名 称 计量单位 {r.year}年度 历年累计"]
        for label, unit, year, cumulative in _annex_rows(r):
            shown = label + ("（万元）" if unit == "万元" else "")
            lines.append(f"{shown} {year} {cumulative}")
        lines.append("")
    lines += [*_signature(r), "", "打印】【关闭"]
    return "\n".join(lines) + "\n"


_RENDERERS = {"html": render_html, "text": render_text}


def render(report: FreeformReport) -> str:
    return _RENDERERS[report.form](report)


def render_bytes(report: FreeformReport) -> bytes:
    return render(report).encode("utf-8")


# ---- writing the set -----------------------------------------------------------------------

GROUND_TRUTH = "ground_truth.json"


def ground_truth(reports: list[FreeformReport]) -> dict[str, dict]:
    truth = {}
    for r in reports:
        entry = {"agency": r.agency, "year": r.year, "template": "freeform",
                 "published": r.published.isoformat(), "scope": r.scope, "metrics": r.metrics,
                 "distractors": r.distractors}
        if r.planted:
            entry["planted"] = r.planted
        truth[r.filename] = entry
    return truth


def write_samples(folder: Path, reports: list[FreeformReport] | None = None) -> list[FreeformReport]:
    """Write each report and ``ground_truth.json`` into ``folder``; return the reports."""
    reports = generate_panel() if reports is None else reports
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for r in reports:
        (folder / r.filename).write_bytes(render_bytes(r))
    with open(folder / GROUND_TRUTH, "w", encoding="utf-8", newline="") as f:
        f.write(json.dumps(ground_truth(reports), ensure_ascii=False, indent=1) + "\n")
    return reports
