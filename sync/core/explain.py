"""Why a client got a flag or a segment, in the sheet's language ("VIP: выручка 412 000 ≥ 3 ×
средняя 98 000"). Shown as notes on the tool's cells and as ``reasons`` in the report."""

from __future__ import annotations

from collections.abc import Callable

from sync.core.config import SegmentsConfig
from sync.core.model import ClientRecord

_T: dict[str, tuple[str, str, str]] = {
    "vip_revenue": (
        "VIP: выручка {rev} ≥ {k} × средняя {mean}",
        "VIP: виручка {rev} ≥ {k} × середня {mean}",
        "VIP: revenue {rev} ≥ {k} × mean {mean}",
    ),
    "vip_orders": (
        "VIP: {n} заказов за 365 дней (порог {k})",
        "VIP: {n} замовлень за 365 днів (поріг {k})",
        "VIP: {n} orders in 365 days (threshold {k})",
    ),
    "hot": (
        "Горячий: контакт {days} дн. назад, заказа после него нет",
        "Гарячий: контакт {days} дн. тому, замовлення після нього немає",
        "Hot: contacted {days} days ago, no order since",
    ),
    "warm": ("Тёплый: есть заказы ({n})", "Теплий: є замовлення ({n})", "Warm: has orders ({n})"),
    "cold": ("Холодный: заказов нет", "Холодний: замовлень немає", "Cold: no orders"),
    "rfm": (
        "RFM {r}-{f}-{m}: последний заказ {days} дн. назад, заказов {n}, выручка {rev}",
        "RFM {r}-{f}-{m}: останнє замовлення {days} дн. тому, замовлень {n}, виручка {rev}",
        "RFM {r}-{f}-{m}: last order {days} days ago, {n} orders, revenue {rev}",
    ),
    "xyz": (
        "XYZ {cls}: коэффициент вариации по месяцам {cv}",
        "XYZ {cls}: коефіцієнт варіації за місяцями {cv}",
        "XYZ {cls}: monthly coefficient of variation {cv}",
    ),
    "lapsed": (
        "Пропал: обычно раз в {exp} дн., а не было уже {act} дн.",
        "Зник: зазвичай раз на {exp} дн., а не було вже {act} дн.",
        "Lapsed: usually every {exp} days, silent for {act} days",
    ),
    "stale": (
        "Данные не проверялись больше {days} дней",
        "Дані не перевірялися понад {days} днів",
        "Contact data not verified for over {days} days",
    ),
    "birthday": (
        "День рождения через {days} дн.",
        "День народження через {days} дн.",
        "Birthday in {days} days",
    ),
}


def _money(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _t(key: str, lang: str, **params: object) -> str:
    entry = _T[key]
    text = entry[("ru", "uk", "en").index(lang)] if lang in ("ru", "uk", "en") else entry[2]
    return text.format(**params)


def reasons(rec: ClientRecord, mean_revenue: float, cfg: SegmentsConfig, lang: str) -> list[str]:
    out: list[str] = []
    x = rec.extra
    if rec.vip:
        if mean_revenue and rec.revenue >= cfg.vip_revenue_multiple * mean_revenue:
            out.append(
                _t(
                    "vip_revenue",
                    lang,
                    rev=_money(rec.revenue),
                    k=f"{cfg.vip_revenue_multiple:g}",
                    mean=_money(mean_revenue),
                )
            )
        else:
            out.append(_t("vip_orders", lang, n=x.get("orders_365", "≥"), k=cfg.vip_orders_365))
    if rec.temperature == "hot":
        out.append(_t("hot", lang, days=x.get("days_since_contact", "?")))
    elif rec.temperature == "warm":
        out.append(_t("warm", lang, n=rec.orders))
    else:
        out.append(_t("cold", lang))
    if rec.r is not None:
        out.append(
            _t(
                "rfm",
                lang,
                r=rec.r,
                f=rec.f,
                m=rec.m,
                days=x.get("recency_days"),
                n=rec.orders,
                rev=_money(rec.revenue),
            )
        )
    cv = x.get("xyz_cv")
    if rec.xyz and isinstance(cv, float):
        out.append(_t("xyz", lang, cls=rec.xyz, cv=f"{cv:.2f}"))
    if x.get("lapsed"):
        out.append(
            _t("lapsed", lang, exp=x.get("lapse_expected_days"), act=x.get("lapse_actual_days"))
        )
    if x.get("stale"):
        out.append(_t("stale", lang, days=cfg.stale_days))
    if "birthday" in (x.get("flags") or ()):  # type: ignore[operator]
        out.append(_t("birthday", lang, days=x.get("days_to_birthday")))
    return out


def explainer(
    mean_revenue: float, cfg: SegmentsConfig, lang: str
) -> Callable[[ClientRecord], list[str]]:
    """:func:`reasons` for the records of one pass."""

    def explain(rec: ClientRecord) -> list[str]:
        return reasons(rec, mean_revenue, cfg, lang)

    return explain
