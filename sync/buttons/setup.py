"""``clientbase excel-setup WORKBOOK``: make a workbook ready for the Excel buttons.

Writes an ``xlwings.conf`` sheet into the workbook (through the same surgical, atomic writer as
``sync``: nothing else in the file changes) telling the xlwings add-in which Python runs the
buttons, and puts the companion files next to it: ``ClientBase.bas`` (the buttons' VBA module),
``ClientBaseRemote.bas`` when an xlwings Server URL is given, a commented ``clientbase.toml``
when there is none, and the instructions for the one step a program cannot do — importing the
VBA module — in the config's language.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sync.config_load import CONFIG_NAME
from sync.core.config import Config
from sync.core.model import ToolSheet, WritePlan
from sync.errors import SourceError, UsageError
from sync.sources.xlsx.source import XlsxSource

CONF_SHEET = "xlwings.conf"
MODULE = "ClientBase.bas"
REMOTE_MODULE = "ClientBaseRemote.bas"
URL_LINE = 'Private Const SERVER_URL As String = "'
TOKEN_LINE = 'Private Const SERVER_TOKEN As String = "'


@dataclass(frozen=True, slots=True)
class SetupResult:
    workbook: Path
    written: tuple[Path, ...]  # companion files (re)written
    kept: tuple[Path, ...]  # companion files that existed and were left alone
    instructions: str


def conf_rows(python: str | None, platform: str) -> tuple[tuple[str, str], ...]:
    """The ``xlwings.conf`` sheet: keys in column A, values in B (the add-in's format)."""
    rows: list[tuple[str, str]] = []
    if python:
        rows.append(("Interpreter_Mac" if platform == "darwin" else "Interpreter_Win", python))
    rows += [("Show Console", "False"), ("ADD_WORKBOOK_TO_PYTHONPATH", "False")]
    return tuple(rows)


def macro_text(name: str) -> str:
    return resources.files("macros").joinpath(name).read_text("utf-8")


def remote_module(url: str, token: str) -> str:
    """``ClientBaseRemote.bas`` with the office's server address (and token) filled in."""
    for bad in ('"', "\n", "\r"):
        if bad in url or bad in token:
            raise UsageError("the server URL and token cannot contain quotes or line breaks")
    out = []
    for line in macro_text(REMOTE_MODULE).splitlines():
        if line.startswith(URL_LINE):
            out.append(f'{URL_LINE}{url.rstrip("/")}/clientbase/"')
        elif line.startswith(TOKEN_LINE):
            out.append(f'{TOKEN_LINE}{token}"')
        else:
            out.append(line)
    return "\r\n".join(out) + "\r\n"  # the VBA editor imports CRLF text


_STEPS = {
    "ru": (
        "Книга {book} подготовлена для кнопок clientbase.\n"
        "Остался один шаг, который программа сделать не может — импорт модуля VBA:\n"
        "  1. Один раз на компьютере: в Python, где установлен clientbase, выполните\n"
        "     «xlwings addin install» (в Excel появится вкладка xlwings).\n"
        "  2. Откройте книгу, нажмите Alt+F11\n"
        "     (macOS: Сервис › Макрос › Редактор Visual Basic),\n"
        "     Файл › Импорт файла… › {module}; Tools › References › отметьте xlwings.\n"
        "  3. Вставка › Фигуры (или Разработчик › Вставить › Кнопка) › правый щелчок ›\n"
        "     Назначить макрос › ClientBaseCheckNow (и остальные: ClientBaseFindDuplicates,\n"
        "     ClientBaseMergeSelectedDuplicates, ClientBaseRecomputeSegments,\n"
        "     ClientBaseClearHighlights, ClientBaseFixFormats).\n"
        "  4. {save}\n"
        "Настройки кнопок: {config}."
    ),
    "uk": (
        "Книгу {book} підготовлено для кнопок clientbase.\n"
        "Лишився один крок, який програма зробити не може, — імпорт модуля VBA:\n"
        "  1. Один раз на комп'ютері: у Python, де встановлено clientbase, виконайте\n"
        "     «xlwings addin install» (в Excel з'явиться вкладка xlwings).\n"
        "  2. Відкрийте книгу, натисніть Alt+F11\n"
        "     (macOS: Сервіс › Макрос › Редактор Visual Basic),\n"
        "     Файл › Імпорт файлу… › {module}; Tools › References › позначте xlwings.\n"
        "  3. Вставлення › Фігури (або Розробник › Вставити › Кнопка) › правий клік ›\n"
        "     Призначити макрос › ClientBaseCheckNow (та інші: ClientBaseFindDuplicates,\n"
        "     ClientBaseMergeSelectedDuplicates, ClientBaseRecomputeSegments,\n"
        "     ClientBaseClearHighlights, ClientBaseFixFormats).\n"
        "  4. {save}\n"
        "Налаштування кнопок: {config}."
    ),
    "en": (
        "{book} is ready for the clientbase buttons.\n"
        "One step is left that a program cannot do — importing the VBA module:\n"
        "  1. Once per computer: in the Python that has clientbase, run\n"
        "     'xlwings addin install' (Excel gets an xlwings tab).\n"
        "  2. Open the workbook, press Alt+F11 (macOS: Tools › Macro › Visual Basic Editor),\n"
        "     File › Import File… › {module}; Tools › References › tick xlwings.\n"
        "  3. Insert › Shapes (or Developer › Insert › Button) › right-click ›\n"
        "     Assign Macro › ClientBaseCheckNow (and the others: ClientBaseFindDuplicates,\n"
        "     ClientBaseMergeSelectedDuplicates, ClientBaseRecomputeSegments,\n"
        "     ClientBaseClearHighlights, ClientBaseFixFormats).\n"
        "  4. {save}\n"
        "The buttons' settings: {config}."
    ),
}
_SAVE_AS = {
    "ru": "Сохраните книгу как «Книга Excel с поддержкой макросов» (.xlsm).",
    "uk": "Збережіть книгу як «Книга Excel з підтримкою макросів» (.xlsm).",
    "en": "Save the workbook as 'Excel Macro-Enabled Workbook' (.xlsm).",
}
_SAVE = {"ru": "Сохраните книгу.", "uk": "Збережіть книгу.", "en": "Save the workbook."}
_REMOTE = {
    "ru": "Для xlwings Server импортируйте вместо него {module} (адрес сервера уже вписан).",
    "uk": "Для xlwings Server імпортуйте натомість {module} (адресу сервера вже вписано).",
    "en": "For xlwings Server import {module} instead (the server's address is filled in).",
}


def instructions(config: Config, workbook: Path, remote: bool) -> str:
    lang = config.language
    xlsm = workbook.suffix.lower() == ".xlsm"
    text = _STEPS[lang].format(
        book=workbook.name,
        module=MODULE,
        save=_SAVE[lang] if xlsm else _SAVE_AS[lang],
        config=config.path if config.path else workbook.with_name(CONFIG_NAME).name,
    )
    if remote:
        text += "\n" + _REMOTE[lang].format(module=REMOTE_MODULE)
    return text + "\n"


def setup_workbook(
    workbook: Path,
    config: Config,
    *,
    python: str | None,
    config_text: str,
    server: str | None = None,
    token: str = "",
    platform: str = sys.platform,
) -> SetupResult:
    """Write the ``xlwings.conf`` sheet and the companion files; see the module docstring."""
    source = XlsxSource(workbook)
    snapshot = source.read([])
    sheet = ToolSheet(CONF_SHEET, conf_rows(python, platform), bold_rows=(), column_widths=(28, 60))
    result = source.apply(WritePlan((), (sheet,)), snapshot.version)
    if result.status in ("locked", "conflict"):
        raise SourceError(result.detail)
    folder = workbook.parent
    written, kept = [folder / MODULE], []
    (folder / MODULE).write_text(macro_text(MODULE).replace("\n", "\r\n"), "utf-8")
    if server:
        (folder / REMOTE_MODULE).write_text(remote_module(server, token), "utf-8")
        written.append(folder / REMOTE_MODULE)
    toml = folder / CONFIG_NAME
    if config.path is None and not toml.exists():
        toml.write_text(config_text, "utf-8")
        written.append(toml)
    elif toml.exists():
        kept.append(toml)
    text = instructions(config, workbook, remote=bool(server))
    guide = folder / f"clientbase-excel-{config.language}.txt"
    guide.write_text(text, "utf-8")
    written.append(guide)
    return SetupResult(workbook, tuple(written), tuple(kept), text)
