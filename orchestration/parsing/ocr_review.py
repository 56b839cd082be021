"""Honest OCR values: method ``ocr`` with the engine's confidence, and an ``ocr_uncertain``
issue on every value a misread could have made.

Two signs of a misread, and only signs: nothing here changes a value.

- **Low confidence**: the engine's own score for the box the value came from.
- **A broken identity** (R1–R4, docs/metrics.md) in a group of OCR'd cells: a misread digit is
  the likely cause, since printed tables mostly balance. Where a broken row and a broken column
  cross, the cell at the crossing is the suspect; a broken group that crosses no other broken
  group has all its OCR'd cells as suspects. Real reports do break rules (hongze's table 四):
  then right cells are flagged too, which is the price of never letting a misread pass silently.
"""
from __future__ import annotations

from .tables import MetricValue, ParseIssue
from .vocabulary import APPS_ROW_ORDER, STANDARD_COLUMNS

# Below this the engine's score says the box may be misread. Measured on the dev scans
# (docs/forms.md): right single digits score 0.57–1.0, so the threshold mostly leaves the
# flagging to the rules.
LOW_CONFIDENCE = 0.6

_PARTS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"]
_COLUMNS = [path[-1] for path in STANDARD_COLUMNS["三"]]
_OUTSIDE_R2 = ("new_received", "carried_over", "processed_total", "carried_forward")
_LAYOUT_PARTS = {layout: [row for row in rows if row not in _OUTSIDE_R2] for layout, rows in APPS_ROW_ORDER.items()}
_PROCESSED_PARTS = [row for row in dict.fromkeys(APPS_ROW_ORDER["2019"] + APPS_ROW_ORDER["2021"])
                    if row not in ("new_received", "carried_over", "processed_total", "carried_forward")]


def _groups() -> list[tuple[str, list[str], list[str]]]:
    """(rule and place, keys of one side, keys of the other) for R1–R4."""
    groups = []
    for column in _COLUMNS:
        groups.append((f"R1 table 三 column {column}",
                       [f"apps.new_received.{column}", f"apps.carried_over.{column}"],
                       [f"apps.processed_total.{column}", f"apps.carried_forward.{column}"]))
        groups.append((f"R2 table 三 column {column}", [f"apps.processed_total.{column}"],
                       [f"apps.{row}.{column}" for row in _PROCESSED_PARTS]))
    for row in dict.fromkeys(APPS_ROW_ORDER["2019"] + APPS_ROW_ORDER["2021"]):
        groups.append((f"R3 table 三 row {row}", [f"apps.{row}.total"], [f"apps.{row}.{p}" for p in _PARTS]))
    for block in ("review", "litigation.direct", "litigation.after_review"):
        groups.append((f"R4 table 四 {block}", [f"{block}.total"],
                       [f"{block}.{o}" for o in ("upheld", "corrected", "other", "pending")]))
    return groups


_GROUPS = _groups()


def review(values: dict[str, MetricValue], confidence: dict[str, float], source: str,
           notes: dict[str, str] | None = None) -> list[ParseIssue]:
    """Mark the values read by OCR (method ``ocr``, the confidence in the note) and return the
    ``ocr_uncertain`` issues."""
    ocr_keys = set()
    for key, value in values.items():
        score = confidence.get(value.location)
        if score is None:
            continue
        ocr_keys.add(key)
        note = f"OCR confidence {score:.3f}" + (f"; read as {value.method}" if value.method != "ocr" else "")
        if notes and value.location in notes:
            note += f"; {notes[value.location]}"
        value.note = f"{note}; {value.note}" if value.note else note
        value.method = "ocr"
    if not ocr_keys:
        return []
    suspects: dict[str, str] = {}
    for key in ocr_keys:
        score = confidence[values[key].location]
        if score < LOW_CONFIDENCE:
            suspects[key] = f"the OCR engine's confidence is {score:.2f}"
        if notes and values[key].location in notes:
            reason = notes[values[key].location]
            suspects[key] = f"{suspects[key]}; {reason}" if key in suspects else reason
    broken = []
    for name, left, right in _GROUPS:
        keys = left + right
        present = [k for k in keys if k in values and values[k].value is not None]
        if len(present) < len(left) + 1 or not any(k in ocr_keys for k in present):
            continue
        if any(k not in values or values[k].value is None for k in left):
            continue
        lhs = sum(values[k].value for k in left)
        rhs = sum(values[k].value for k in right if k in values and values[k].value is not None)
        # R2's parts differ between the layouts (the （六） rows): it is checked when every row
        # of one layout is there (a missing cell is a miss, not a broken sum). Every other rule
        # needs all its cells.
        if name.startswith("R2"):
            column = name.rsplit(" ", 1)[-1]
            complete = any(all(f"apps.{row}.{column}" in values for row in rows) for rows in _LAYOUT_PARTS.values())
        else:
            complete = all(k in values for k in right)
        if complete and abs(lhs - rhs) > 1e-6:
            broken.append((name, [k for k in present if k in ocr_keys], lhs, rhs))
    for name, keys, lhs, rhs in broken:
        crossing = [k for k in keys if any(k in other for n, other, _, _ in broken if n != name)]
        for key in crossing or keys:
            reason = f"{name} does not balance ({_fmt(lhs)} ≠ {_fmt(rhs)}): a misread digit is likely"
            suspects[key] = f"{suspects[key]}; {reason}" if key in suspects else reason
    issues = []
    for key in sorted(suspects, key=lambda k: values[k].location):
        value = values[key]
        issues.append(ParseIssue("ocr_uncertain", f"{source}: {key} = {value.raw_text!r} read by OCR at "
                                 f"{value.location} may be misread ({suspects[key]}); it was not corrected",
                                 value.location))
    return issues


def _fmt(number) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)
