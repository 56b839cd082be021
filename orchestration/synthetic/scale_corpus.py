"""A large generated corpus for the end-to-end benchmark: N agencies × Y years, with its ground truth.

Built on the foundation's generators (``samples`` for the 2019 and 2021 layouts,
``samples_freeform`` for the free-form era): every agency gets a consistent series over
``years`` (default 2016–2023: free-form reports up to 2018, the 2019 layout for 2019–2020,
the 2021 layout from 2021), so carry-overs chain (R5), normative documents in force and item
counts chain (R6, R7) and annex cumulatives add up (R11) along the agency's years, across the
renamings some agencies go through.

What varies, each decided per report by its own seeded draw (so a report never depends on how
many agencies there are, or on which process generated it):

**Physical form** (``FORM_MIX``, national-table reports): mostly HTML pages (62 %), then PDF with
a text layer (10 %), one-cell-per-line text (8 %), DOCX (7 %), text grids (6 %), Markdown (4 %) and
digits run together (3 %). Free-form reports (``FREEFORM_MIX``): HTML 80 %, scraped text 20 % (the
free-form generator renders those two). Besides the mix, 1 % of all reports (``degraded_share``,
its own draw, so the rest of the corpus is the same with or without it) are degraded text: the
page as a crawler's text (``degraded.render_degraded(report, "crawler")``: tables flattened into
the running text, cells glued), read with the joint solver and, in the pipeline, with the
agency's neighbouring years. A row no rule settles is left unread with an issue that says so
(``ambiguous_split``, or a row short of cells: ``ambiguous_ok``, like digits run together); a
value read is checked like any other. As
for digits run together, agencies with a planted break and reports with blank cells keep their
form. PDFs are 10 %: on real sites a large share of reports
is a PDF (often attached to a page), but a PDF costs ~12× an HTML page to parse (~140 pages/s
per core, 4–5 pages a report) and ~30 ms to render, so at 10 % they already take about half
of the parse time; the share is a parameter (``form_mix``) for other mixes.

**Planted violations** (``violation_share``, default 2 % of reports): a report drawn for a
violation gets one break of a kind its year allows, and records in ``planted`` exactly the
``(rule, column_key)`` failures ``marts.mart_reconciliation`` must show for it (``"R1:total"``):

- R1 (with R2 and R3, ``samples.plant_r1_violation``), R2 only (one 予以公开 moved between two
  columns), R3 only (one application moved between two outcome rows of one column), R4 only
  (one more 结果维持), R9 (a negative count), R5 (carry-over broken, new_received absorbs it),
  R6 (现行有效 shifted from that year on), R7 (上一年项目数量 of 2020 shifted): national reports;
- R8 (prose against annex, the free-form generator's own), R10 (答复总数 off the sum; R11 of
  答复总数 too where the year before has an annex), R11 (主动公开 历年累计 restarted from that
  year on): free-form reports with an annex. A prose-only free-form year can carry none.

The kind is drawn among those the year allows (R5 needs a national-table year before it, R6 two
2021-layout years, R7 two 2019-layout years, R11 an annexed year before it); an R2 or R3 break
that the cells cannot carry (blank columns, nothing to move) becomes an R1 break. Free-form
reports without an annex (``PROSE_ONLY_SHARE``, 15 % of free-form reports) carry none, so the
share of planted reports is slightly under ``violation_share``. Agencies with a planted break never use the run-together form (its digits are split by the
very rules that the break violates, so the cells could not be read back), and a report with
blank cells is not written as a space-separated text grid or run together (a blank cell is
then only a longer run of spaces, or nothing: no reader can place it); it is one-cell-per-line
text instead.

**Hard cases** (``hazard_share``, default 8 % of reports): blank 法人或其他组织 columns (the
generator's own, at most once per agency), a blank 历年累计 cell in a free-form annex,
label variants in an HTML table 三 (「（七）合计」, 「1、属于国家秘密」, a dropped character), and
mislabelled charsets: GB18030 bytes under ``<meta charset="utf-8">``, UTF-8 bytes under
``gb2312``, correctly declared GBK pages, GB18030 text files. (A PDF or DOCX drawn for a charset
case keeps its bytes: the hard case does not apply to them.) Each document's ``hazards`` say
which it got.

**Renamings** (``rename_share``, default 4 % of agencies): one year filed under another name: a
government's general office (…人民政府办公室), a short government name (…县政府), the parent city
missing (云溪区人民政府 for 澜川市云溪区人民政府), a customary short form (人社局), a space.

Layout on disk (``write_corpus``)::

    out_dir/docs/<site>/zwgk/ndbg/<slug>-<year><suffix>   the documents, spread over ``sites`` sites
    out_dir/truth.jsonl                                  one line per document (``TRUTH_FIELDS``)
    out_dir/corpus.json                                  the parameters and counts

``write_catalogue`` writes the pipeline's catalogue (``source_id,agency,year,location``) with
URLs built from a base URL per site. ``write_update`` writes an incremental change (a share of
documents changed in place with new numbers, and new documents: the next year's reports of
some agencies) into a separate folder with its own ``truth.jsonl``; ``read_truth`` merges them.

The same seed gives byte-identical files, however many processes generate them.

One module on purpose: the agencies, their planted rule breaks and the truth that scores them are
derived together, and the benchmark needs all three to agree.
"""
from __future__ import annotations

import copy
import csv
import dataclasses
import datetime
import json
import math
import os
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import degraded, freeform, samples

#: Bump when the same parameters would give other documents (a cached corpus is then rebuilt).
GENERATOR_VERSION = 3
DEFAULT_YEARS = range(2016, 2024)
#: National-table forms and their shares (sums to 1).
FORM_MIX = {"html": 0.62, "pdf": 0.10, "text": 0.08, "docx": 0.07, "text_grid": 0.06,
            "markdown": 0.04, "run_together": 0.03}
#: Free-form reports: the free-form generator renders HTML pages and scraped text.
FREEFORM_MIX = {"html": 0.8, "text": 0.2}
#: Reports drawn as degraded text (a crawler's page text), whatever their form in the mix.
DEGRADED_SHARE = 0.01
#: The degraded form: a crawler's page text (orchestration/synthetic/degraded.py).
DEGRADED_FORM = "crawler"
#: Forms whose rows may be left unread when no rule settles their digits (``ambiguous_split``).
AMBIGUOUS_FORMS = ("run_together", DEGRADED_FORM)
DEFAULT_SEED = 20240901
DEFAULT_SITES = 8
TRUTH = "truth.jsonl"
INFO = "corpus.json"
#: What each line of truth.jsonl holds.
TRUTH_FIELDS = ("source_id", "agency", "canonical_agency", "agency_index", "year", "template", "form",
                "site", "path", "url_path", "sha256", "metrics", "planted", "hazards", "renamed",
                "ambiguous_ok")

# ---- agencies ----------------------------------------------------------------------------

_CITY_1 = "澜石青云金银玉丰东西南北安平宁清"
_CITY_2 = "川岭禾州阳江山泉源城溪宁海原林"
_COUNTY_1 = "龙凤鹤鹿松柏桃李梅兰竹菊荷桂枫杨柳桑榆槐杏梨枣栗泽湖河渚滩峪岗岩峰崖坪坝塘湾港浦"
_COUNTY_2 = "兴盛昌隆和顺泰康福寿德善义礼仁信文武明光华荣富贵吉祥瑞庆乐喜嘉祯祺禧春夏秋冬晖晴"
#: Departments (full name, customary short form the identity rules expand, or None).
_DEPARTMENTS = (
    ("人力资源和社会保障局", "人社局"), ("卫生健康委员会", "卫健委"), ("住房和城乡建设局", "住建局"),
    ("市场监督管理局", "市监局"), ("自然资源和规划局", "资规局"), ("文化和旅游局", "文旅局"),
    ("应急管理局", "应急局"), ("医疗保障局", "医保局"), ("发展和改革委员会", "发改委"),
    ("教育局", None), ("生态环境局", None), ("财政局", None), ("民政局", None), ("司法局", None),
    ("交通运输局", None),
)
AGENCIES_PER_PLACE = 10      # the government and nine departments
PLACES_PER_CITY = 12         # the city itself and eleven counties or districts


@dataclass(frozen=True)
class AgencySpec:
    index: int
    name: str
    slug: str
    kind: str            # gov | dept
    place: str           # 澜川市云溪区
    city: str            # 澜川市
    area: str            # 区 / 县 / 市: how the prose names the jurisdiction
    department: str | None
    short_form: str | None
    city_level: bool


def _city_name(c: int) -> str:
    n = len(_CITY_1) * len(_CITY_2)
    name = _CITY_1[c % len(_CITY_1)] + _CITY_2[(c // len(_CITY_1)) % len(_CITY_2)]
    return ("新" * (c // n)) + name + "市"


def _county_name(p: int) -> str:
    """Globally unique county names (no two places share one, so a name without its parent
    city still names one place)."""
    n = len(_COUNTY_1) * len(_COUNTY_2)
    name = _COUNTY_1[p % len(_COUNTY_1)] + _COUNTY_2[(p // len(_COUNTY_1)) % len(_COUNTY_2)]
    return ("上" * (p // n)) + name


def agency_spec(index: int) -> AgencySpec:
    place_index, role = divmod(index, AGENCIES_PER_PLACE)
    city_index, county = divmod(place_index, PLACES_PER_CITY)
    city = _city_name(city_index)
    if county == 0:
        place, area, city_level = city, "市", True
    else:
        area = "区" if (place_index % 3) else "县"
        place, city_level = city + _county_name(place_index) + area, False
    if role == 0:
        return AgencySpec(index, place + "人民政府", f"a{index:06d}", "gov", place, city, area, None, None,
                          city_level)
    dept, short = _DEPARTMENTS[(place_index + role - 1) % len(_DEPARTMENTS)]
    return AgencySpec(index, place + dept, f"a{index:06d}", "dept", place, city, area, dept, short, city_level)


def _rename(spec: AgencySpec, rng: random.Random) -> str:
    """Another name the same body files under one year (the identity rules join them)."""
    if spec.kind == "gov":
        kinds = ["office", "short"] + ([] if spec.city_level else ["no_parent"])
    else:
        kinds = ["space"] + (["short_form"] if spec.short_form else [])
    kind = rng.choice(kinds)
    if kind == "office":
        return spec.name + "办公室"
    if kind == "short":
        return spec.place + "政府"
    if kind == "no_parent":
        return spec.name.removeprefix(spec.city)
    if kind == "short_form":
        return spec.place + spec.short_form
    return spec.place + " " + spec.department


# ---- the plan of one agency ------------------------------------------------------------------

def _u(*parts) -> random.Random:
    """A draw of its own for each purpose and report: nothing depends on generation order."""
    return random.Random(":".join(map(str, parts)))


@dataclass
class _Plan:
    year: int
    form: str
    plant: str | None = None
    hazard: str | None = None
    annex: bool = True          # free-form years: the report has an annex (else prose only)
    name: str = ""
    degraded: bool = False      # drawn as degraded text (DEGRADED_FORM)


def _choose(rng: random.Random, mix: Mapping[str, float]) -> str:
    x, acc = rng.random(), 0.0
    for key, share in mix.items():
        acc += share
        if x < acc:
            return key
    return next(reversed(mix))


#: Free-form reports without an annex (prose only).
PROSE_ONLY_SHARE = 0.15
_NATIONAL_PLANTS = {"R1": 3, "R2": 1, "R3": 1, "R4": 1, "R9": 1, "R5": 2, "R6": 1, "R7": 1}
_FREEFORM_PLANTS = {"R8": 1, "R10": 1, "R11": 1}


@dataclass(frozen=True)
class Params:
    seed: int = DEFAULT_SEED
    years: tuple[int, ...] = tuple(DEFAULT_YEARS)
    form_mix: tuple[tuple[str, float], ...] = tuple(FORM_MIX.items())
    freeform_mix: tuple[tuple[str, float], ...] = tuple(FREEFORM_MIX.items())
    violation_share: float = 0.02
    hazard_share: float = 0.08
    rename_share: float = 0.04
    sites: int = DEFAULT_SITES
    degraded_share: float = DEGRADED_SHARE


def _plan(spec: AgencySpec, p: Params, extra_years: tuple[int, ...] = ()) -> list[_Plan]:
    """Form, planted break, hard case and name of each year. Base years only carry breaks and
    the once-per-agency hazards; ``extra_years`` (the incremental update's new year) only get
    forms and per-document hazards, so adding them changes nothing in the base years."""
    form_mix, ff_mix = dict(p.form_mix), dict(p.freeform_mix)
    plans = []
    base = p.years
    for year in tuple(base) + tuple(extra_years):
        national = year >= 2019
        plan = _Plan(year, _choose(_u(p.seed, "form", spec.index, year), form_mix if national else ff_mix))
        extra = year not in base
        plan.degraded = _u(p.seed, "degraded", spec.index, year).random() < p.degraded_share
        if not national:
            plan.annex = _u(p.seed, "annex", spec.index, year).random() >= PROSE_ONLY_SHARE
        if not extra and _u(p.seed, "plant", spec.index, year).random() < p.violation_share:
            plan.plant = "?"   # the kind is decided once the numbers are drawn
        h = _u(p.seed, "hazard", spec.index, year)
        if h.random() < p.hazard_share:
            choices = ["charset"]
            if plan.form == "html" and national:
                choices.append("labels")
            if not extra:
                choices.append("blank")
            plan.hazard = h.choice(choices)
        plans.append(plan)
    # At most one blank-cells report per agency (the generators' own hazard): a second one
    # becomes a mislabelled charset.
    seen_blank = False
    for plan in plans:
        if plan.hazard == "blank":
            if seen_blank:
                plan.hazard = "charset"
            seen_blank = True
    names = {plan.year: spec.name for plan in plans}
    r = _u(p.seed, "rename", spec.index)
    if r.random() < p.rename_share:
        year = r.choice(list(base))
        names[year] = _rename(spec, r)
    for plan in plans:
        plan.name = names[plan.year]
    return plans


# ---- generating one agency's reports ----------------------------------------------------------

@dataclass
class Doc:
    """One generated document and its ground truth."""
    source_id: str
    agency: str
    canonical_agency: str
    agency_index: int
    year: int
    template: str
    form: str
    site: str
    url_path: str
    data: bytes
    metrics: dict
    planted: list[str] = field(default_factory=list)
    hazards: list[str] = field(default_factory=list)
    renamed: bool = False

    @property
    def path(self) -> str:
        return f"docs/{self.site}/{self.url_path}"

    def truth(self) -> dict:
        import hashlib
        return {"source_id": self.source_id, "agency": self.agency, "canonical_agency": self.canonical_agency,
                "agency_index": self.agency_index, "year": self.year, "template": self.template,
                "form": self.form, "site": self.site, "path": self.path, "url_path": self.url_path,
                "sha256": hashlib.sha256(self.data).hexdigest(), "metrics": self.metrics,
                "planted": self.planted, "hazards": self.hazards, "renamed": self.renamed,
                "ambiguous_ok": self.form in AMBIGUOUS_FORMS}


def site_of(index: int, sites: int) -> str:
    return f"site{(index * 7919) % sites:02d}"


def _national_agency(spec: AgencySpec, rng: random.Random) -> samples.Agency:
    if spec.kind == "gov":
        scale = rng.randint(100, 500) if spec.city_level else rng.randint(20, 260)
    else:
        scale = rng.randint(4, 90)
    return samples.Agency(spec.name, spec.slug, scale, round(rng.uniform(0.05, 0.4), 2), spec.kind,
                          makes_rules=spec.kind == "gov" and spec.city_level)


def _freeform_agency(spec: AgencySpec, rng: random.Random) -> freeform.Agency:
    scale = rng.randint(10, 40) if spec.kind == "gov" else rng.randint(3, 15)
    return freeform.Agency(spec.name, spec.slug, spec.kind, scale,
                           rng.choice(("six_channels", "three_channels")), spec.area)


def _six_nonblank(m: dict, row: str) -> list[str]:
    return [c for c in samples.APP_COLUMNS[:6] if m.get(f"apps.{row}.{c}") is not None]


def _plant_national(r: samples.SampleReport, kind: str, rng: random.Random, series: dict) -> tuple[samples.SampleReport, list[str]]:
    """The report with the break planted, and the exact failures it must show. ``series``
    holds the agency's national reports by year (mutated for breaks that shift later years)."""
    m = r.metrics
    if kind == "R5" and r.year - 1 in series and (m["apps.new_received.natural_person"] or 0) >= 1:
        b = copy.deepcopy(r)
        for key, delta in (("apps.carried_over.natural_person", 1), ("apps.carried_over.total", 1),
                           ("apps.new_received.natural_person", -1), ("apps.new_received.total", -1)):
            b.metrics[key] += delta
        return b, ["R5:natural_person", "R5:total"]
    if kind == "R6" and r.layout == "2021" and series.get(r.year - 1) is not None \
            and series[r.year - 1].layout == "2021":
        k = rng.randint(1, 9)
        for year, other in series.items():
            if year >= r.year and other.layout == "2021":
                other.metrics["active.normative_docs.in_force"] += k
        return r, ["R6:normative_docs"]
    if kind == "R7" and r.layout == "2019" and series.get(r.year - 1) is not None \
            and series[r.year - 1].layout == "2019":
        b = copy.deepcopy(r)
        b.metrics["active.licensing.prev_items"] += rng.randint(1, 9)
        return b, ["R7:licensing"]
    if kind == "R4":
        block = rng.choice(samples.REVIEW_BLOCKS)
        b = copy.deepcopy(r)
        b.metrics[f"{block}.upheld"] += 1
        return b, [f"R4:{block}"]
    if kind == "R9":
        b = copy.deepcopy(r)
        b.metrics["active.licensing.decisions"] = -rng.randint(1, 9)
        return b, ["R9:二"]
    if kind == "R2":
        cols = _six_nonblank(m, "granted")
        sources = [c for c in cols if m[f"apps.granted.{c}"] >= 1]
        if len(cols) >= 2 and sources:
            src = rng.choice(sources)
            dst = rng.choice([c for c in cols if c != src])
            b = copy.deepcopy(r)
            b.metrics[f"apps.granted.{src}"] -= 1
            b.metrics[f"apps.granted.{dst}"] += 1
            return b, [f"R2:{src}", f"R2:{dst}"]
    if kind == "R3":
        rows = samples.OUTCOME_ROWS[r.layout]
        options = [(row, c) for row in rows for c in _six_nonblank(m, row) if m[f"apps.{row}.{c}"] >= 1]
        if options:
            src, col = rng.choice(options)
            dst = rng.choice([row for row in rows if row != src])
            b = copy.deepcopy(r)
            b.metrics[f"apps.{src}.{col}"] -= 1
            b.metrics[f"apps.{dst}.{col}"] += 1
            return b, [f"R3:{src}", f"R3:{dst}"]
    # R1, and every kind this report cannot carry
    column = rng.choice(["total"] + [c for c in samples.APP_COLUMNS[:6]
                                     if m.get(f"apps.processed_total.{c}") is not None])
    b = samples.plant_r1_violation(r, column=column)
    return b, [f"R1:{column}", f"R2:{column}", "R3:processed_total"]


_LABEL_VARIANTS = (("（七）总计", "（七）合计"), ("1.属于国家秘密", "1、属于国家秘密"),
                   ("2.其他法律行政法规禁止公开", "2、其他法律行政止公开"))


def _encode(text: str, form: str, hazard: str | None, rng: random.Random) -> tuple[bytes, list[str]]:
    """The document's bytes with its hard case applied (text forms only)."""
    hazards = []
    if hazard == "labels" and form == "html":
        for a, b in _LABEL_VARIANTS:
            text = text.replace(a, b)
        hazards.append("labels")
    if hazard == "charset":
        if form == "html":
            kind = rng.choice(("gbk_said_utf8", "utf8_said_gb2312", "gbk"))
            if kind == "gbk_said_utf8":
                data = text.encode("gb18030")
            elif kind == "utf8_said_gb2312":
                data = text.replace('<meta charset="utf-8" />', '<meta charset="gb2312" />', 1).encode("utf-8")
            else:
                data = text.replace('<meta charset="utf-8" />', '<meta charset="gbk" />', 1).encode("gb18030")
            return data, hazards + [f"charset:{kind}"]
        return text.encode("gb18030"), hazards + ["charset:gb18030_text"]
    return text.encode("utf-8"), hazards


def agency_docs(index: int, params: Params, extra_years: tuple[int, ...] = (),
                change: tuple[int, random.Random] | None = None) -> list[Doc]:
    """Every document of agency ``index`` (the base years, then ``extra_years``). With
    ``change`` = (year, draw), that year's national-table report gets new numbers that keep
    every rule (the incremental update's changed documents)."""
    spec = agency_spec(index)
    plans = _plan(spec, params, extra_years)
    rng = _u(params.seed, "numbers", index)
    years = [pl.year for pl in plans]
    ff_years = [y for y in years if y < 2019]
    nat_years = [y for y in years if y >= 2019]
    by_year = {pl.year: pl for pl in plans}
    blank_year = next((pl.year for pl in plans if pl.hazard == "blank"), None)

    # free-form years (the planted R8 and the blank 历年累计 are the generator's own)
    ff_reports = []
    ff_planted: dict[int, list[str]] = {}
    if ff_years:
        ff_agency = _freeform_agency(spec, rng)
        ff_seed = rng.randrange(2**32)
        r8 = set()
        for y in ff_years:
            if by_year[y].plant == "?":
                if not by_year[y].annex:
                    by_year[y].plant = None   # a prose-only report can carry no break
                    continue
                kinds = ["R8", "R10"] + (["R11"] if y - 1 in by_year and by_year[y - 1].annex
                                         and y - 1 in ff_years else [])
                by_year[y].plant = _choose(_u(params.seed, "kind", index, y), {k: 1 / len(kinds) for k in kinds})
                if by_year[y].plant == "R8":
                    r8.add((0, y))
        ff_reports = freeform.generate_panel(
            seed=ff_seed, years=range(ff_years[0], ff_years[-1] + 1), agency_list=[ff_agency],
            r8_plants=r8, blank_cumulative={(0, blank_year)} if blank_year in ff_years else set(),
            prose_only={(0, y) for y in ff_years if not by_year[y].annex})
        annexed = {r.year: r.has_annex for r in ff_reports}
        for r in ff_reports:
            kind = by_year[r.year].plant
            if kind is None or kind == "?":
                continue
            if not r.has_annex:
                by_year[r.year].plant = None
                continue
            k_rng = _u(params.seed, "plant-numbers", index, r.year)
            prev_annexed = annexed.get(r.year - 1, False)
            if kind == "R8":
                if not r.planted:
                    by_year[r.year].plant = None
                    continue
                keys = [p.split(":", 1)[1] for p in r.planted if p.startswith("R8:")]
                ff_planted[r.year] = [f"R8:{k.removeprefix('legacy.').removesuffix('.total')}" for k in keys]
            elif kind == "R10":
                k = k_rng.randint(1, 5)
                r.annex["legacy.replies.total"] += k
                r.metrics["legacy.replies.total"] += k
                prev = next((o for o in ff_reports if o.year == r.year - 1), None)
                ff_planted[r.year] = ["R10:replies"] + (
                    ["R11:replies.total"] if prev_annexed and prev is not None
                    and prev.annex.get("legacy.replies.total.cumulative") is not None
                    and r.annex.get("legacy.replies.total.cumulative") is not None else [])
            elif kind == "R11":
                if not prev_annexed:
                    by_year[r.year].plant = None
                    continue
                for other in ff_reports:
                    if other.year >= r.year and other.has_annex:
                        for key in ("legacy.active.total.cumulative", "legacy.active.website.cumulative"):
                            other.annex[key] += 100
                            other.metrics[key] += 100
                ff_planted[r.year] = ["R11:active.total", "R11:active.website"]
        for r in ff_reports:
            if r.planted and by_year[r.year].plant != "R8":
                raise AssertionError(f"{spec.slug}-{r.year}: unexpected plant {r.planted} from the free-form generator")

    # national years
    nat_reports = []
    nat_planted: dict[int, list[str]] = {}
    if nat_years:
        nat_agency = _national_agency(spec, rng)
        nat_seed = rng.randrange(2**32)
        nat_reports = samples.generate_panel(
            seed=nat_seed, years=range(nat_years[0], nat_years[-1] + 1), agency_list=[nat_agency],
            blank_orgs=(0, blank_year) if blank_year in nat_years else None)
        series = {r.year: r for r in nat_reports}
        for i, r in enumerate(nat_reports):
            if by_year[r.year].plant != "?":
                continue
            # the kinds this year can carry: R5 needs the previous year's table 三, R6 two
            # 2021-layout years, R7 two 2019-layout years
            prev = series.get(r.year - 1)
            allowed = {k: w for k, w in _NATIONAL_PLANTS.items()
                       if k not in ("R5", "R6", "R7")
                       or (k == "R5" and prev is not None)
                       or (k == "R6" and prev is not None and prev.layout == r.layout == "2021")
                       or (k == "R7" and prev is not None and prev.layout == r.layout == "2019")}
            kind = _choose(_u(params.seed, "kind", index, r.year),
                           {k: w / sum(allowed.values()) for k, w in allowed.items()})
            broken, planted = _plant_national(series[r.year], kind,
                                              _u(params.seed, "plant-numbers", index, r.year), series)
            series[r.year] = broken
            by_year[r.year].plant = planted[0].split(":")[0]
            nat_planted[r.year] = planted
        if change is not None and change[0] in series:
            series[change[0]] = _change_numbers(series[change[0]], change[1])
        nat_reports = [series[y] for y in sorted(series)]

    has_plant = bool(ff_planted or nat_planted)
    site = site_of(index, params.sites)
    docs = []
    for r in ff_reports + nat_reports:
        plan = by_year[r.year]
        national = isinstance(r, samples.SampleReport)
        form = plan.form
        if has_plant and form == "run_together":
            form = "html"   # see the module docstring
        if not national and any(v is None for v in r.annex.values()):
            form = "html"   # the blank 历年累计 as an HTML page's &nbsp; cell
        if national and form in ("text_grid", "run_together") and r.year % 2 == 0 \
                and any(v is None for v in r.metrics.values()):
            # space-separated grids show a blank cell only as a longer run of spaces, and
            # run-together digits not at all: no reader can place them
            form = "text"
        if plan.degraded and not has_plant and not any(v is None for v in r.metrics.values()):
            form = DEGRADED_FORM   # see the module docstring
        r = dataclasses.replace(r, form=form if form != DEGRADED_FORM else r.form, agency=plan.name)
        hazard_rng = _u(params.seed, "hazard-kind", index, r.year)
        hazard = plan.hazard
        if national:
            metrics = dict(r.metrics)
            # the prose figures the parser reads from a national-table report (rule R8)
            metrics["legacy.apps.total"] = r.metrics["apps.new_received.total"]
            if r.layout == "2021":
                metrics["legacy.fees.amount_yuan"] = 0
            rendered = degraded.render_degraded(r, form) if form == DEGRADED_FORM else samples.render(r)
            template = r.layout
        else:
            metrics = dict(r.metrics)
            rendered = degraded.render_degraded(r, form) if form == DEGRADED_FORM else freeform.render(r)
            template = "freeform"
        if isinstance(rendered, bytes):
            data, hazards = rendered, []
            if hazard == "charset":
                hazard = None
        else:
            data, hazards = _encode(rendered, form, hazard, hazard_rng)
        if hazard == "blank" and any(v is None for v in metrics.values()):
            hazards.append("blank_cells")
        suffix = (".txt" if form == DEGRADED_FORM else samples.FORM_SUFFIXES[form] if national
                  else freeform.FORM_SUFFIXES[form])
        docs.append(Doc(
            source_id=f"{spec.slug}-{r.year}", agency=plan.name, canonical_agency=spec.name,
            agency_index=index, year=r.year, template=template, form=form, site=site,
            url_path=f"zwgk/ndbg/{spec.slug}-{r.year}{suffix}", data=data, metrics=metrics,
            planted=(nat_planted if national else ff_planted).get(r.year, []), hazards=hazards,
            renamed=plan.name != spec.name))
    return docs


# ---- writing the corpus ----------------------------------------------------------------------

def agencies_for(reports: int, years: int = len(DEFAULT_YEARS)) -> int:
    return max(1, math.ceil(reports / years))


def _write_chunk(args) -> tuple[list[str], dict]:
    out_dir, indices, params = args
    out_dir = Path(out_dir)
    lines, counts = [], {}
    for index in indices:
        for doc in agency_docs(index, params):
            path = out_dir / doc.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(doc.data)
            lines.append(json.dumps(doc.truth(), ensure_ascii=False, sort_keys=True))
            counts[doc.form] = counts.get(doc.form, 0) + 1
    return lines, counts


def write_corpus(out_dir: Path, reports: int, seed: int = DEFAULT_SEED, *, years: Iterable[int] = DEFAULT_YEARS,
                 form_mix: Mapping[str, float] | None = None, violation_share: float = 0.02,
                 hazard_share: float = 0.08, rename_share: float = 0.04, sites: int = DEFAULT_SITES,
                 degraded_share: float = DEGRADED_SHARE, processes: int = 1, chunk: int = 25, log=None) -> dict:
    """Generate about ``reports`` documents (agencies × years) into ``out_dir``, agency by
    agency, writing each document and its truth line as it goes (only one chunk of agencies
    is ever in memory). Returns the corpus info (also written to ``corpus.json``)."""
    out_dir = Path(out_dir)
    years = tuple(years)
    mix = dict(FORM_MIX if form_mix is None else form_mix)
    if abs(sum(mix.values()) - 1) > 1e-9 or any(f not in samples.FORMS for f in mix):
        raise ValueError(f"form_mix must give shares of {samples.FORMS} summing to 1")
    params = Params(seed=seed, years=years, form_mix=tuple(mix.items()), violation_share=violation_share,
                    hazard_share=hazard_share, rename_share=rename_share, sites=sites,
                    degraded_share=degraded_share)
    n_agencies = agencies_for(reports, len(years))
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks = [(str(out_dir), range(i, min(i + chunk, n_agencies)), params) for i in range(0, n_agencies, chunk)]
    counts: dict[str, int] = {}
    written = 0
    start = time.perf_counter()
    tmp = out_dir / (TRUTH + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as truth:
        if processes > 1:
            import multiprocessing
            pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
            results = pool.map(_write_chunk, chunks)
        else:
            pool, results = None, map(_write_chunk, chunks)
        try:
            for lines, chunk_counts in results:
                for line in lines:
                    truth.write(line + "\n")
                written += len(lines)
                for form, n in chunk_counts.items():
                    counts[form] = counts.get(form, 0) + n
                if log and written and written % 5000 < len(lines):
                    rate = written / (time.perf_counter() - start)
                    log(f"generated {written} documents ({rate:.0f}/s)")
        finally:
            if pool is not None:
                pool.shutdown()
    os.replace(tmp, out_dir / TRUTH)
    info = {"generator_version": GENERATOR_VERSION, "reports": written, "agencies": n_agencies, "seed": seed, "years": list(years),
            "form_mix": mix, "violation_share": violation_share, "hazard_share": hazard_share,
            "rename_share": rename_share, "degraded_share": degraded_share, "site_count": sites,
            "sites": sorted({site_of(i, sites) for i in range(n_agencies)}),
            "forms": dict(sorted(counts.items())),
            "generation_seconds": round(time.perf_counter() - start, 1), "processes": processes}
    (out_dir / INFO).write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return info


def params_of(info: Mapping) -> Params:
    """The parameters a corpus was written with (from its ``corpus.json``)."""
    return Params(seed=info["seed"], years=tuple(info["years"]), form_mix=tuple(info["form_mix"].items()),
                  violation_share=info["violation_share"], hazard_share=info["hazard_share"],
                  rename_share=info["rename_share"], sites=info["site_count"],
                  degraded_share=info.get("degraded_share", 0.0))


def iter_truth(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_truth(corpus_dir: Path, update_dir: Path | None = None) -> Iterator[dict]:
    """The truth of every document, streamed: the corpus's, with the update's entries replacing
    the documents it changed and its new documents after them."""
    overlay = {}
    if update_dir is not None and (Path(update_dir) / TRUTH).exists():
        overlay = {t["source_id"]: t for t in iter_truth(Path(update_dir) / TRUTH)}
    for t in iter_truth(Path(corpus_dir) / TRUTH):
        yield overlay.pop(t["source_id"], t)
    yield from overlay.values()


def write_catalogue(corpus_dir: Path, csv_path: Path, base_urls: Mapping[str, str],
                    update_dir: Path | None = None, updated_on: str | None = None) -> int:
    """The pipeline's catalogue: ``source_id,agency,year,location,updated``, the location an
    http URL from the document's site's base URL (``{"site00": "http://127.0.0.1:8000", …}``).
    With an update, the documents it changed in place are dated ``updated_on`` (default today),
    as a site's listing dates a corrected report; the others have no date."""
    csv_path = Path(csv_path)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    changed = set()
    if update_dir is not None and (Path(update_dir) / TRUTH).exists():
        in_update = {t["source_id"] for t in iter_truth(Path(update_dir) / TRUTH)}
        changed = {t["source_id"] for t in iter_truth(Path(corpus_dir) / TRUTH) if t["source_id"] in in_update}
    updated_on = updated_on or datetime.date.today().isoformat()
    n = 0
    with open(csv_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["source_id", "agency", "year", "location", "updated"])
        for t in read_truth(corpus_dir, update_dir):
            writer.writerow([t["source_id"], t["agency"], t["year"],
                             base_urls[t["site"]].rstrip("/") + "/" + t["url_path"],
                             updated_on if t["source_id"] in changed else ""])
            n += 1
    return n


def sites_of(corpus_dir: Path) -> list[str]:
    return sorted(p.name for p in (Path(corpus_dir) / "docs").iterdir() if p.is_dir())


# ---- the incremental update ------------------------------------------------------------------

def _change_numbers(r: samples.SampleReport, rng: random.Random) -> samples.SampleReport | None:
    """New numbers that keep every rule: other decision counts, and one application moved
    between two outcome rows of one column (the row totals follow)."""
    b = copy.deepcopy(r)
    m = b.metrics
    for key in ("active.licensing.decisions", "active.penalty.decisions"):
        if m.get(key) is not None and m[key] >= 0:
            m[key] += rng.randint(1, 50)
    rows = samples.OUTCOME_ROWS[r.layout]
    options = [(row, c) for row in rows for c in _six_nonblank(m, row) if m[f"apps.{row}.{c}"] >= 1]
    if options:
        src, col = rng.choice(options)
        dst = rng.choice([row for row in rows if row != src])
        for row, delta in ((src, -1), (dst, 1)):
            m[f"apps.{row}.{col}"] += delta
            m[f"apps.{row}.total"] += delta
    return b


def write_update(corpus_dir: Path, update_dir: Path, share: float = 0.01, seed: int | None = None) -> dict:
    """Change ``share`` of the corpus: half of it documents changed in place (a national-table
    report with new numbers that keep every rule, same URL, new bytes), half new documents (the
    next year's report of some agencies, consistent with their series). Written into
    ``update_dir/docs/…`` (to be served over the corpus) with ``update_dir/truth.jsonl``."""
    corpus_dir, update_dir = Path(corpus_dir), Path(update_dir)
    info = json.loads((corpus_dir / INFO).read_text(encoding="utf-8"))
    seed = info["seed"] if seed is None else seed
    params = params_of(info)
    n_agencies, total = info["agencies"], info["reports"]
    k = max(1, round(total * share / 2))
    rng = _u(seed, "update")
    new_agencies = sorted(rng.sample(range(n_agencies), min(k, n_agencies)))
    change_agencies = sorted(rng.sample(range(n_agencies), min(k, n_agencies)))
    next_year = max(params.years) + 1
    update_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for index in change_agencies:
        docs = agency_docs(index, params)
        candidates = [d for d in docs if d.template != "freeform" and not d.planted]
        if not candidates:
            continue
        target = _u(seed, "update-doc", index).choice(candidates)
        # the same report with new numbers, rendered the same way
        changed = agency_docs(index, params, change=(target.year, _u(seed, "update-numbers", index)))
        doc = next(d for d in changed if d.year == target.year)
        if doc.data == target.data:
            raise AssertionError(f"{target.source_id}: the change left the bytes as they were")
        out.append(doc)
    for index in new_agencies:
        docs = agency_docs(index, params, extra_years=(next_year,))
        out.append(docs[-1])
    with open(update_dir / TRUTH, "w", encoding="utf-8", newline="\n") as f:
        for doc in out:
            path = update_dir / doc.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(doc.data)
            f.write(json.dumps(doc.truth(), ensure_ascii=False, sort_keys=True) + "\n")
    summary = {"changed": len(change_agencies), "new": len(new_agencies), "documents": len(out),
               "next_year": next_year}
    (update_dir / INFO).write_text(json.dumps(summary) + "\n", encoding="utf-8")
    return summary


# ---- comparing what was read with the truth ------------------------------------------------------

MISSING = "<missing>"


def expected_failures(truth: Mapping[str, object]) -> set[tuple[str, str]]:
    """The (rule, column) failures a document's planted break must show in the mart: what was
    planted, less the R3 rows that also carry a blank cell (the blank-法人-columns hard case): a
    blank cell makes its row not assessable, never a failure (docs/metrics.md, and the mart)."""
    metrics = truth["metrics"]
    out = set()
    for planted in truth["planted"]:
        rule, column = planted.split(":", 1)
        if rule == "R3" and any(metrics.get(f"apps.{column}.{c}", 0) is None for c in samples.APP_COLUMNS):
            continue
        out.add((rule, column))
    return out


def same_value(expected, got) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    return math.isclose(float(expected), float(got), rel_tol=1e-9, abs_tol=1e-6)


def diff_values(expected: Mapping[str, object], got: Mapping[str, object],
                ambiguous_ok: bool = False) -> tuple[list[tuple[str, object, object]], int]:
    """Every key whose value differs: (key, expected, got), ``MISSING`` for a key absent on one
    side. With ``ambiguous_ok`` (digits run together) a key the parser left out is not a
    difference (it must then have said ``ambiguous_split``): those are counted, second value."""
    wrong, unread = [], 0
    for key, value in expected.items():
        if key not in got:
            if ambiguous_ok:
                unread += 1
            else:
                wrong.append((key, value, MISSING))
        elif not same_value(value, got[key]):
            wrong.append((key, value, got[key]))
    wrong += [(key, MISSING, value) for key, value in got.items() if key not in expected]
    return sorted(wrong, key=lambda w: w[0]), unread
