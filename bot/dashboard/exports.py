"""Reports as flat tables for download, as CSV or JSON, with the same suppression as on
screen: a suppressed group is a row that says so and carries no numbers."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Dict, List, Sequence

REPORTS = ("overview", "heatmap", "trend", "lowest-items", "open-answers")
FORMATS = ("csv", "json")
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _theme_columns(theme: Dict[str, Any]) -> Dict[str, Any]:
    if theme.get("suppressed"):
        return {"theme": theme["theme"], "theme_suppressed": True, "note": theme.get("note")}
    row = {
        "theme": theme["theme"],
        "theme_suppressed": False,
        "theme_mean": theme.get("mean"),
        "theme_respondents": theme.get("respondents"),
    }
    # Trend rows carry means only; overview rows carry the answer distribution too.
    for key, count in theme.get("distribution", {}).items():
        row[f"answers_{key}"] = count
    return row


def _group_rows(block: Dict[str, Any], dimension: str) -> List[Dict[str, Any]]:
    base = {"dimension": dimension, "group": block["group"], "suppressed": block["suppressed"]}
    if block["suppressed"]:
        return [{**base, "note": block["note"]}]
    base.update(
        {
            key: block.get(key)
            for key in (
                "respondents",
                "assessments_started",
                "assessments_completed",
                "completion_rate",
                "readiness_index",
                "level",
            )
            if key in block
        }
    )
    return [{**base, **_theme_columns(theme)} for theme in block["themes"]]


def rows_of(report_name: str, report: Dict[str, Any]) -> List[Dict[str, Any]]:
    """A report as a list of flat rows."""
    if report_name == "overview":
        rows = _group_rows(report["total"], "everyone")
        for group in report.get("groups", []):
            rows += _group_rows(group, report["group_by"])
        return rows
    if report_name == "heatmap":
        rows = []
        for row in report["rows"]:
            base = {"dimension": report["by"], "group": row["group"], "suppressed": row["suppressed"]}
            if row["suppressed"]:
                rows.append({**base, "note": row["note"]})
                continue
            for cell in row["cells"]:
                rows.append(
                    {
                        **base,
                        "respondents": row["respondents"],
                        "theme": cell["theme"],
                        "theme_suppressed": cell["suppressed"],
                        "theme_mean": cell.get("mean"),
                        "theme_respondents": cell.get("respondents"),
                        "note": cell.get("note"),
                    }
                )
        return rows
    if report_name == "trend":
        return [r for month in report["months"] for r in _group_rows({**month, "group": month["month"]}, "month")]
    if report_name == "lowest-items":
        return [dict(item) for item in report["items"]]
    if report_name == "open-answers":
        return [{"theme": t["theme"], "answer": text} for t in report.get("themes", []) for text in t["answers"]]
    raise ValueError(f"unknown report {report_name!r}")


def _columns(rows: Sequence[Dict[str, Any]]) -> List[str]:
    columns: Dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Sequence[Dict[str, Any]]) -> str:
    """CSV with a header line; text that a spreadsheet would run as a formula is quoted with '."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_columns(rows) or ["note"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def to_json(report_name: str, report: Dict[str, Any]) -> str:
    """The report with its rows, as JSON."""
    return json.dumps(
        {
            "report": report_name,
            "scope": report.get("scope"),
            "min_group_size": report.get("min_group_size"),
            "rows": rows_of(report_name, report),
        },
        ensure_ascii=False,
        indent=2,
    )
