"""Configuration: typed dataclasses (the contract the rest of the package relies on).

Loading and validation of the TOML file is in :mod:`sync.config_load`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Language = Literal["ru", "uk", "en"]
PhoneFormat = Literal["e164", "international", "national"]
FixMode = Literal["rewrite", "suggest"]

# Known fields per table role, and the validator kind each one gets.
CLIENT_FIELDS: dict[str, str] = {
    "id": "id",
    "name": "name",  # full name (ФИО) in one cell
    "last_name": "name",
    "first_name": "name",
    "middle_name": "name",
    "phone": "phone",
    "phone2": "phone",
    "email": "email",
    "city": "text",
    "birthday": "birthday",
    "consent": "consent",
    "consent_date": "date",
    "gender": "choice",
    "added": "date",
    "verified": "date",
    "comment": "text",
}
ORDER_FIELDS: dict[str, str] = {
    "id": "text",
    "date": "date",
    "client_id": "ref",
    "amount": "amount",
}
INTERACTION_FIELDS: dict[str, str] = {
    "date": "date",
    "client_id": "ref",
    "kind": "text",
}
ROLE_FIELDS: dict[str, dict[str, str]] = {
    "clients": CLIENT_FIELDS,
    "orders": ORDER_FIELDS,
    "interactions": INTERACTION_FIELDS,
}


@dataclass(frozen=True, slots=True)
class PhoneConfig:
    regions: tuple[str, ...] = ("RU", "UA", "BY", "KZ")
    format: PhoneFormat = "international"


@dataclass(frozen=True, slots=True)
class EmailConfig:
    check_dns: bool = False
    extra_domains: tuple[str, ...] = ()  # domains of the business's region that are never "typos"


@dataclass(frozen=True, slots=True)
class SheetConfig:
    """One table: which sheet, where its header is, which column holds which field."""

    role: str
    name: str
    columns: dict[str, str] = field(default_factory=dict)  # field -> header; rest auto-detected
    header_row: int | None = None  # None: detect within the first rows
    required: tuple[str, ...] = ()
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SegmentsConfig:
    abc: tuple[float, float] = (0.80, 0.95)
    xyz: tuple[float, float] = (0.10, 0.25)
    vip_revenue_multiple: float = 3.0
    vip_orders_365: int = 6
    hot_days: int = 14
    birthday_days: int = 14  # flag birthdays within this many days
    stale_days: int = 730  # re-verify contact data every two years
    # where a row has no "verified" date, measure from the date it was added
    stale_from_added: bool = False
    lapsed_min_orders: int = 4
    lapsed_factor: float = 2.0  # silence longer than this x the client's median gap
    age_groups: tuple[int, ...] = (18, 25, 35, 45, 55, 65)  # lower edges
    # what "mailable" requires: consent given, a valid phone or email, contact data not stale
    mailable: tuple[str, ...] = ("consent", "contact", "fresh")
    rules: tuple[Any, ...] = ()  # sync.core.marketing.RuleConfig, in order


@dataclass(frozen=True, slots=True)
class DedupeConfig:
    enabled: bool = True
    threshold: float = 0.80  # minimum pair score for two rows to be the same person


MAILABLE_REQUIREMENTS = ("consent", "contact", "fresh")
SEVERITIES = ("error", "warning", "info")

TOOL_COLUMNS = (
    "segment",
    "rfm",
    "abc",
    "xyz",
    "vip",
    "temperature",
    "duplicate",
    "revenue",
    "orders",
    "last_order",
    "flags",
    "gender",
    "age",
    "age_group",
    "city",
    "country",
    "region",
    "interactions",
    "contacts",
    "last_contact",
    "mailable",
)


@dataclass(frozen=True, slots=True)
class ColorsConfig:
    """ARGB fills of the tool's highlights (Excel's Bad / Neutral / Good palette)."""

    error: str = "FFFFC7CE"
    warning: str = "FFFFEB9C"
    info: str = "FFC6EFCE"


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """What the tool writes into the workbook."""

    columns: tuple[str, ...] = ("segment", "abc", "xyz", "vip", "temperature", "duplicate")
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header override
    problems_sheet: str | None = None  # None: localised default ("Проблемы")
    summary_sheet: str | None = None  # None: localised default ("Сводка")
    colors: ColorsConfig = field(default_factory=ColorsConfig)
    notes: bool = True
    # severities whose findings fill and note the staff cell; the rest are only listed on the
    # Problems sheet (a green note on every phone cell buries the real mistakes)
    mark: tuple[str, ...] = ("error", "warning")


@dataclass(frozen=True, slots=True)
class BackupConfig:
    dir: str = ".clientbase-backups"  # relative to the workbook's folder
    keep: int = 20
    keep_days: int = 30  # backups older than this go too (the newest is always kept)


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    """What a workbook package may unpack to before it is read (zip bombs, damaged files)."""

    max_part_mb: int = 512  # one part (a sheet's XML) unpacked
    max_unpacked_mb: int = 2048  # all parts together
    max_ratio: int = 200  # unpacked / packed size of a part bigger than 1 MB


@dataclass(frozen=True, slots=True)
class GoogleSheetConfig:
    """One ``[[google]]`` entry: a Google Sheet the daemon keeps clean (and the credentials
    ``clientbase sync gsheet:ID`` uses for it)."""

    spreadsheet: str  # the ID from the sheet's URL (docs.google.com/spreadsheets/d/<ID>/)
    credentials: str | None = None  # path to a service-account or OAuth JSON; never copied
    endpoint: str | None = None  # another Sheets API root (the local emulator); no credentials
    poll_interval: float = 60.0  # seconds between Drive version checks in `watch`


@dataclass(frozen=True, slots=True)
class Config:
    language: Language = "ru"
    fix: FixMode = "suggest"
    phone: PhoneConfig = field(default_factory=PhoneConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    sheets: dict[str, SheetConfig] = field(default_factory=dict)  # role -> table
    segments: SegmentsConfig = field(default_factory=SegmentsConfig)
    dedupe: DedupeConfig = field(default_factory=DedupeConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    google: tuple[GoogleSheetConfig, ...] = ()  # [[google]] tables
    path: str | None = None  # the file it was loaded from


def default_config() -> Config:
    """The config used without a file: the sheet names of ``clientbase init`` (Russian)."""
    return Config(
        sheets={
            "clients": SheetConfig(role="clients", name="Клиенты"),
            "orders": SheetConfig(role="orders", name="Заказы"),
            "interactions": SheetConfig(role="interactions", name="Контакты"),
        }
    )
