"""The JSON report (``clientbase check --report``) and the console summary.

The report's shape is a contract (DESIGN.md, "Contract: JSON report"); users' scripts read it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from sync.core.model import ClientRecord, Outcome
from sync.core.severity import SEVERITY_ORDER

REPORT_VERSION = 1


def _record(rec: ClientRecord, outcome: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {
        "row": rec.row,
        "id": rec.id,
        "revenue": round(rec.revenue, 2),
        "orders": rec.orders,
        "last_order": rec.last_order.isoformat() if rec.last_order else None,
        "r": rec.r,
        "f": rec.f,
        "m": rec.m,
        "rfm_segment": rec.rfm_segment,
        "abc": rec.abc,
        "xyz": rec.xyz,
        "vip": rec.vip,
        "temperature": rec.temperature,
    }
    x = rec.extra
    out["age"] = x.get("age")
    out["gender"] = x.get("gender")
    out["gender_inferred"] = bool(x.get("gender_inferred", False))
    out["age_group"] = x.get("age_group")
    out["city"] = x.get("city")
    out["country"] = x.get("country")
    out["region"] = x.get("region")
    out["interactions"] = x.get("interactions", 0)
    last_contact = x.get("last_contact")
    out["last_contact"] = last_contact.isoformat() if isinstance(last_contact, dt.date) else None
    out["mailable"] = bool(x.get("mailable", False))
    out["flags"] = list(x.get("flags", ()))  # type: ignore[call-overload]
    out["reasons"] = outcome.explain(rec) if outcome.explain else []
    if rec.duplicate_group is not None:
        out["duplicate_group"] = rec.duplicate_group
    return out


def build_report(outcome: Outcome) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    return {
        "version": REPORT_VERSION,
        "source": outcome.source,
        "as_of": outcome.as_of.isoformat(),
        "problems": [
            {
                "sheet": p.sheet,
                "row": p.row,
                "column": p.column,
                "field": p.field,
                "code": p.code,
                "severity": p.severity,
                "message": p.message,
                "suggestion": p.suggestion,
            }
            for p in outcome.problems
        ],
        "duplicates": [
            {
                "group": g.group,
                "rows": list(g.rows),
                "score": round(g.score, 4),
                "reasons": list(g.reasons),
            }
            for g in outcome.duplicates
        ],
        "records": [_record(r, outcome) for r in outcome.records],
    }


def dumps_report(outcome: Outcome) -> str:
    # compact: a 100 000-client report is written in well under a second
    return json.dumps(
        build_report(outcome), ensure_ascii=False, separators=(",", ":"), default=_default
    )


def _default(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def summary_lines(outcome: Outcome) -> list[str]:
    """A short, readable summary: counts per problem code, per segment, duplicates, VIPs."""
    lines: list[str] = []
    clients = outcome.tables.get("clients")
    n = len(outcome.records)
    lines.append(
        f"{outcome.source}: {n} clients"
        + (f" on sheet '{clients.sheet}'" if clients else "")
        + f", as of {outcome.as_of.isoformat()}"
    )
    by_code = Counter((p.severity, p.code) for p in outcome.problems)
    if by_code:
        lines.append("Problems:")
        for (severity, code), count in sorted(
            by_code.items(), key=lambda kv: (SEVERITY_ORDER[kv[0][0]], -kv[1], kv[0][1])
        ):
            lines.append(f"  {code:<22} {severity:<8} {count:>7}")
    else:
        lines.append("Problems: none")
    lines.append(
        f"Duplicate groups: {len(outcome.duplicates)} "
        f"({sum(len(g.rows) for g in outcome.duplicates)} rows)"
    )
    lines.append(f"Rows without ID: {len(outcome.rows_without_id)}")
    segments = Counter(r.rfm_segment for r in outcome.records if r.rfm_segment)
    if segments:
        lines.append("RFM segments: " + ", ".join(f"{k} {v}" for k, v in segments.most_common()))
    abc = Counter(r.abc for r in outcome.records if r.abc)
    xyz = Counter(r.xyz for r in outcome.records if r.xyz)
    if abc:
        lines.append(
            "ABC: "
            + ", ".join(f"{k} {abc[k]}" for k in sorted(abc))
            + ("; XYZ: " + ", ".join(f"{k} {xyz[k]}" for k in sorted(xyz)) if xyz else "")
        )
    temps = Counter(r.temperature for r in outcome.records)
    lines.append(
        f"VIP: {sum(r.vip for r in outcome.records)}; "
        + ", ".join(f"{t} {temps.get(t, 0)}" for t in ("hot", "warm", "cold"))
    )
    return lines
