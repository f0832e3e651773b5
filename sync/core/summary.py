"""The Summary sheet: counts per problem code and segment, the ABC × XYZ table, VIPs, hot leads."""

from __future__ import annotations

from collections import Counter

from sync.core.config import Config
from sync.core.labels import RFM_SEGMENTS, pick, segment_label, sheet_title, temperature_label
from sync.core.marketing import rule_counts
from sync.core.messages import notice
from sync.core.model import CellValue, ClientRecord, Outcome, ToolSheet
from validators.phone import format_phone

_TITLES: dict[str, tuple[str, str, str]] = {
    "title": ("Сводка по базе клиентов", "Зведення по базі клієнтів", "Client base summary"),
    "as_of": ("На дату", "На дату", "As of"),
    "clients": ("Клиентов", "Клієнтів", "Clients"),
    "problems": ("Проблемы по кодам", "Проблеми за кодами", "Problems by code"),
    "code": ("Код", "Код", "Code"),
    "severity": ("Важность", "Важливість", "Severity"),
    "count": ("Количество", "Кількість", "Count"),
    "segments": ("RFM-сегменты", "RFM-сегменти", "RFM segments"),
    "segment": ("Сегмент", "Сегмент", "Segment"),
    "matrix": ("ABC × XYZ (клиентов)", "ABC × XYZ (клієнтів)", "ABC × XYZ (clients)"),
    "none": ("нет", "немає", "none"),
    "temperature": ("Температура", "Температура", "Temperature"),
    "vip": ("VIP-клиенты", "VIP-клієнти", "VIP clients"),
    "duplicates": ("Группы дублей", "Групи дублікатів", "Duplicate groups"),
    "row": ("Строка", "Рядок", "Row"),
    "revenue": ("Выручка", "Виручка", "Revenue"),
    "rules": ("Свои сегменты (клиентов)", "Власні сегменти (клієнтів)", "Own segments (clients)"),
    "days": ("Дней", "Днів", "Days"),
}

MAX_LISTED = 200  # VIP / hot lists beyond this are in the clients sheet's columns anyway


def _flags(rec: ClientRecord) -> list[str]:
    flags = rec.extra.get("flags")
    return flags if isinstance(flags, list) else []


def build_summary_sheet(outcome: Outcome, config: Config) -> ToolSheet:
    lang = config.language

    def t(key: str) -> str:
        return pick(_TITLES[key], lang)

    rows: list[tuple[CellValue, ...]] = []
    bold: list[int] = []

    def heading(text: str) -> None:
        if rows:
            rows.append(())
        rows.append((text,))
        bold.append(len(rows))

    rows.append((t("title"),))
    bold.append(1)
    rows.append((t("as_of"), outcome.as_of))
    rows.append((t("clients"), len(outcome.records)))
    rows.append((t("duplicates"), len(outcome.duplicates)))

    heading(t("problems"))
    rows.append((t("code"), t("severity"), t("count")))
    bold.append(len(rows))
    by_code = Counter((p.code, p.severity) for p in outcome.problems)
    for (code, severity), count in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append((code, severity, count))
    if not by_code:
        rows.append((t("none"),))

    heading(t("segments"))
    rows.append((t("segment"), t("count")))
    bold.append(len(rows))
    segments = Counter(r.rfm_segment for r in outcome.records if r.rfm_segment)
    for key in RFM_SEGMENTS:
        if segments.get(key):
            rows.append((segment_label(key, lang), segments[key]))

    heading(t("matrix"))
    rows.append(("", "X", "Y", "Z", "—"))
    bold.append(len(rows))
    matrix = Counter((r.abc, r.xyz) for r in outcome.records if r.abc)
    for abc in ("A", "B", "C"):
        rows.append((abc, *(matrix.get((abc, x), 0) for x in ("X", "Y", "Z", None))))

    heading(t("temperature"))
    temps = Counter(r.temperature for r in outcome.records)
    for key in ("hot", "warm", "cold"):
        rows.append((temperature_label(key, lang), temps.get(key, 0)))

    rules = config.segments.rules
    if rules:
        heading(t("rules"))
        for name, count in rule_counts(outcome.records, rules).items():
            rows.append((name, count))

    # the lists staff act on: who it is and how to reach them, not only a row number
    person = (t("row"), "ID", notice("summary.name", lang), notice("summary.phone", lang))
    segment_header = t("segment")

    def who(r: ClientRecord) -> tuple[CellValue, ...]:
        phone = format_phone(r.phone, config.phone.format) if r.phone else None
        return (r.row, r.id, r.name, phone)

    vips = sorted((r for r in outcome.records if r.vip), key=lambda r: -r.revenue)
    heading(f"{t('vip')}: {len(vips)}")
    rows.append((*person, segment_header, t("revenue")))
    bold.append(len(rows))
    for r in vips[:MAX_LISTED]:
        rows.append((*who(r), segment_label(r.rfm_segment, lang), round(r.revenue, 2)))

    hot = [r for r in outcome.records if r.temperature == "hot"]
    heading(f"{notice('summary.hot', lang)}: {len(hot)}")
    if hot:
        rows.append((*person, segment_header))
        bold.append(len(rows))
    for r in hot[:MAX_LISTED]:
        rows.append((*who(r), segment_label(r.rfm_segment, lang)))

    birthdays = sorted(
        (r for r in outcome.records if "birthday" in _flags(r)),
        key=lambda r: (r.extra.get("days_to_birthday", 0), r.row),
    )
    heading(f"{notice('summary.birthdays', lang)}: {len(birthdays)}")
    if birthdays:
        rows.append((*person, t("days")))
        bold.append(len(rows))
    for r in birthdays[:MAX_LISTED]:
        rows.append((*who(r), r.extra.get("days_to_birthday")))  # type: ignore[arg-type]

    return ToolSheet(
        name=sheet_title("summary", config),
        rows=tuple(rows),
        bold_rows=tuple(bold),
        column_widths=(34, 14, 30, 20, 22, 14),
    )
