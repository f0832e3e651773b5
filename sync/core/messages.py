"""Messages staff read in the sheet and the report, in Russian, Ukrainian and English.

Templates take only non-personal parameters (``{suggestion}`` is the repaired value staff
are shown in their own sheet; it never goes to a log).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

LANGUAGES = ("ru", "uk", "en")

# code -> (ru, uk, en)
_TEMPLATES: dict[str, tuple[str, str, str]] = {
    "phone.invalid": (
        "Неверный номер телефона: не подходит ни для одной страны из настроек",
        "Невірний номер телефону: не підходить для жодної країни з налаштувань",
        "Invalid phone number: not valid for any configured country",
    ),
    "phone.fixed": (
        "Телефон записан не в едином формате: {suggestion}",
        "Телефон записано не в єдиному форматі: {suggestion}",
        "Phone is not in the standard format: {suggestion}",
    ),
    "phone.multiple": (
        "В ячейке несколько номеров; для связи взят первый: {suggestion}",
        "У клітинці кілька номерів; для зв'язку взято перший: {suggestion}",
        "Several numbers in one cell; the first is used: {suggestion}",
    ),
    "phone.shared": (
        "Этот номер есть и у других клиентов (строки {rows}) — семья или общий телефон?",
        "Цей номер є й в інших клієнтів (рядки {rows}) — родина чи спільний телефон?",
        "Other clients have this number too (rows {rows}) — family or a shared line?",
    ),
    "email.invalid": (
        "Неверный адрес почты",
        "Невірна адреса пошти",
        "Invalid email address",
    ),
    "email.suspect": (
        "Похоже на опечатку в адресе почты; возможно: {suggestion}",
        "Схоже на помилку в адресі пошти; можливо: {suggestion}",
        "Looks like a typo in the email address; did you mean {suggestion}?",
    ),
    "email.fixed": (
        "Адрес почты записан с лишними пробелами или заглавными буквами: {suggestion}",
        "Адресу пошти записано із зайвими пробілами або великими літерами: {suggestion}",
        "Email has extra spaces or capitals: {suggestion}",
    ),
    "name.missing": ("Не заполнено ФИО", "Не заповнено ПІБ", "Name is empty"),
    "name.mixed_scripts": (
        "В имени латинские буквы вперемешку с кириллицей; правильно: {suggestion}",
        "В імені латинські літери впереміш із кирилицею; правильно: {suggestion}",
        "Latin and Cyrillic letters are mixed in the name; correct spelling: {suggestion}",
    ),
    "name.fixed": (
        "Лишние пробелы или регистр букв в имени: {suggestion}",
        "Зайві пробіли або регістр літер в імені: {suggestion}",
        "Extra spaces or wrong capitals in the name: {suggestion}",
    ),
    "name.invalid": (
        "В имени цифры или посторонние символы",
        "В імені цифри або сторонні символи",
        "The name contains digits or stray characters",
    ),
    "date.invalid": (
        "Это не дата (ожидается ДД.ММ.ГГГГ)",
        "Це не дата (очікується ДД.ММ.РРРР)",
        "Not a date (expected DD.MM.YYYY)",
    ),
    "date.implausible": (
        "Дата не может быть верной для этого поля (год {year})",
        "Дата не може бути правильною для цього поля (рік {year})",
        "This date cannot be right for this field (year {year})",
    ),
    "contact.missing": (
        "Нет ни телефона, ни почты — с клиентом нельзя связаться",
        "Немає ні телефону, ні пошти — з клієнтом неможливо зв'язатися",
        "Neither phone nor email — the client cannot be contacted",
    ),
    "required.missing": (
        "Обязательное поле не заполнено",
        "Обов'язкове поле не заповнено",
        "Required field is empty",
    ),
    "value.not_allowed": (
        "Недопустимое значение; допустимо: {allowed}",
        "Неприпустиме значення; допустимо: {allowed}",
        "Value not allowed; allowed: {allowed}",
    ),
    "number.invalid": (
        "Это не число",
        "Це не число",
        "Not a number",
    ),
    "cell.error": (
        "В ячейке ошибка Excel {error}",
        "У клітинці помилка Excel {error}",
        "The cell holds an Excel error {error}",
    ),
    "id.duplicate": (
        "Этот ID уже есть в строке {rows} (строка скопирована?)",
        "Цей ID уже є в рядку {rows} (рядок скопійовано?)",
        "This ID is also on row {rows} (a copied row?)",
    ),
    "order.unknown_client": (
        "Клиента с таким ID нет на листе клиентов",
        "Клієнта з таким ID немає на аркуші клієнтів",
        "No client with this ID on the clients sheet",
    ),
    "duplicate": (
        "Возможный дубль клиента: строки {rows} (группа {group}): {why}",
        "Можливий дубль клієнта: рядки {rows} (група {group}): {why}",
        "Possible duplicate client: rows {rows} (group {group}): {why}",
    ),
    "duplicate.merged": (
        "дубль (группа {group}): {why}",
        "дубль (група {group}): {why}",
        "duplicate (group {group}): {why}",
    ),
    "duplicate.other_file": (
        "Этот клиент есть и в другой таблице: {places}",
        "Цей клієнт є і в іншій таблиці: {places}",
        "This client is also in another workbook: {places}",
    ),
    "city.fixed": (
        "Город записан по-разному; единое название: {suggestion}",
        "Місто записано по-різному; єдина назва: {suggestion}",
        "City spelled differently; standard name: {suggestion}",
    ),
    "stale": (
        "Данные не проверялись дольше {days} дней",
        "Дані не перевірялися довше {days} днів",
        "Contact data not verified for more than {days} days",
    ),
    # not problem codes: what a button or the console tells staff
    "notice.notes_unavailable": (
        "Проблемных ячеек: {count}, они закрашены. Этот клиент Excel не умеет писать "
        "примечания, поэтому тексты проблем — на листе «{sheet}»: ссылка в последней колонке "
        "ведёт к ячейке.",
        "Проблемних клітинок: {count}, їх зафарбовано. Цей клієнт Excel не вміє писати "
        "примітки, тому тексти проблем — на аркуші «{sheet}»: посилання в останній колонці "
        "веде до клітинки.",
        "{count} cells with problems are coloured. This Excel client cannot write notes, so "
        "the messages are on the '{sheet}' sheet: the link in its last column leads to the cell.",
    ),
    "notice.serve_needs_token": (
        "Сервер кнопок слушает {host}, то есть не только этот компьютер: задайте токен "
        "(--token или CLIENTBASE_SERVER_TOKEN), иначе кнопки сможет вызвать любой в сети.",
        "Сервер кнопок слухає {host}, тобто не лише цей комп'ютер: задайте токен "
        "(--token або CLIENTBASE_SERVER_TOKEN), інакше кнопки зможе викликати будь-хто в мережі.",
        "The button server listens on {host}, beyond this computer: set a token (--token or "
        "CLIENTBASE_SERVER_TOKEN), or anyone on the network can press the buttons.",
    ),
    "notice.data_abroad": (
        "Внимание: таблица Google «{sheet}» хранит персональные данные на серверах за "
        "пределами России. С 1 июля 2025 года закон 152-ФЗ (в редакции 23-ФЗ) запрещает "
        "первичный сбор персональных данных граждан России в базы данных за рубежом. "
        "Соответствует закону хранение в книгах Excel на собственном сервере офиса.",
        "Увага: таблиця Google «{sheet}» зберігає персональні дані на серверах поза Росією. "
        "З 1 липня 2025 року закон РФ 152-ФЗ (у редакції 23-ФЗ) забороняє первинний збір "
        "персональних даних громадян Росії в бази даних за кордоном. Відповідає закону "
        "зберігання в книгах Excel на власному сервері офісу.",
        "Warning: the Google sheet '{sheet}' keeps personal data on servers outside Russia. "
        "Since 1 July 2025 Russian law 152-FZ (as amended by 23-FZ) forbids first collecting "
        "Russian citizens' personal data into databases abroad. Excel workbooks on the "
        "office's own server are the compliant way.",
    ),
}


# Messages naming other rows, as they read for one row (the templates above read for several):
# "строка 10" / "строки 10, 14" ("в строке 10" / "в строках 10, 14").
_ONE_ROW: dict[str, tuple[str, str, str]] = {
    "phone.shared": (
        "Этот номер есть и у другого клиента (строка {rows}) — семья или общий телефон?",
        "Цей номер є й в іншого клієнта (рядок {rows}) — родина чи спільний телефон?",
        "Another client has this number too (row {rows}) — family or a shared line?",
    ),
    "duplicate": (
        "Возможный дубль клиента: строка {rows} (группа {group}): {why}",
        "Можливий дубль клієнта: рядок {rows} (група {group}): {why}",
        "Possible duplicate client: row {rows} (group {group}): {why}",
    ),
}
_MANY_ROWS: dict[str, tuple[str, str, str]] = {
    "id.duplicate": (
        "Этот ID уже есть в строках {rows} (строка скопирована?)",
        "Цей ID уже є в рядках {rows} (рядок скопійовано?)",
        "This ID is also on rows {rows} (a copied row?)",
    ),
}


def _pick(entry: tuple[str, str, str], language: str) -> str:
    return entry[LANGUAGES.index(language)] if language in LANGUAGES else entry[2]


# Messages made before, by code, language and parameters: a pass makes ~50 000 of them for a
# 100 000-client base, mostly the same few thousand; and the same message as the very same
# string lets the daemon's memos of the Problems sheet compare and hash it at once.
_MADE: dict[tuple[str, str, tuple[tuple[str, str], ...] | None], str] = {}
MADE_LIMIT = 100_000  # distinct messages; then the memo starts afresh


def message(code: str, language: str, params: Mapping[str, str] | None = None) -> str:
    """The staff-facing message for a problem code."""
    key = (code, language, tuple(sorted(params.items())) if params else None)
    found = _MADE.get(key)
    if found is None:
        if len(_MADE) >= MADE_LIMIT:
            _MADE.clear()
        found = _MADE[key] = _message(code, language, params)
    return found


def _message(code: str, language: str, params: Mapping[str, str] | None) -> str:
    entry = _TEMPLATES.get(code)
    rows = params.get("rows") if params else None
    if rows:
        several = "," in rows
        entry = (_MANY_ROWS if several else _ONE_ROW).get(code, entry)
    if entry is None:
        return code
    values = {
        "suggestion": "",
        "rows": "",
        "allowed": "",
        "year": "?",
        "error": "",
        "group": "",
        "reasons": "",
        "why": "",
        "days": "",
        "places": "",
        "count": "",
        "sheet": "",
        "host": "",
    }
    if params:
        values.update(params)
    return _pick(entry, language).format(**values)


# Why rows are one client, in plain words (sync.model.DuplicateGroup.why)
_WHY: dict[str, tuple[str, str, str]] = {
    "phone+email": ("тот же телефон и email", "той самий телефон і email", "same phone and email"),
    "phone": ("тот же телефон", "той самий телефон", "same phone"),
    "email": ("тот же email", "той самий email", "same email"),
    "id_number": ("тот же номер документа", "той самий номер документа", "same ID number"),
    "name": ("ФИО совпадает", "ПІБ збігається", "same name"),
    "birthday": ("дата рождения совпадает", "дата народження збігається", "same birthday"),
    "initials": (
        "инициалы подходят к имени и отчеству",
        "ініціали підходять до імені та по батькові",
        "the initials fit the name",
    ),
    "translit": (
        "имя записано и латиницей",
        "ім'я записано й латиницею",
        "the name is also in Latin",
    ),
    "surname": (
        "фамилия другая (сменилась в браке?)",
        "прізвище інше (змінилося після шлюбу?)",
        "another surname (changed on marriage?)",
    ),
    "apart": (
        "другой человек, если отличается {fields}",
        "інша людина, якщо відрізняється {fields}",
        "a different person if the {fields} differs",
    ),
    "?birthday": ("дата рождения", "дата народження", "birthday"),
    "?middle": ("отчество", "по батькові", "patronymic"),
    "or": (" или ", " або ", " or "),
}


def duplicate_why(reasons: tuple[str, ...], why: tuple[str, ...], language: str) -> str:
    """``тот же телефон и email; Таня ≈ Татьяна; дата рождения совпадает; другой человек,
    если отличается отчество``: the evidence of a duplicate group, and what would tell two
    people apart."""
    parts: list[str] = []
    contacts = [r for r in ("phone", "email") if r in reasons]
    if contacts:
        parts.append(_pick(_WHY["+".join(contacts)], language))
    if "id_number" in reasons:
        parts.append(_pick(_WHY["id_number"], language))
    forms = [w.removeprefix("form:").split("|", 1) for w in why if w.startswith("form:")]
    parts += [f"{a} ≈ {b}" for a, b in forms]
    told = [w for w in ("initials", "translit", "surname") if w in why]
    parts += [_pick(_WHY[w], language) for w in told]
    if "name" in reasons and not forms and not told:
        parts.append(_pick(_WHY["name"], language))
    if "birthday" in reasons:
        parts.append(_pick(_WHY["birthday"], language))
    open_ = [_pick(_WHY[w], language) for w in ("?birthday", "?middle") if w in why]
    if open_:
        fields = _pick(_WHY["or"], language).join(open_)
        parts.append(_pick(_WHY["apart"], language).format(fields=fields))
    return "; ".join(parts)


_PLACE = ("{file}, строка {row}", "{file}, рядок {row}", "{file}, row {row}")


def place(file: str, row: int, language: str, office: str | None = None) -> str:
    """``branch2.xlsx, строка 14`` — a row of another workbook, for notes; another office's
    workbook is named with its office first (``Москва, clients.xlsx, строка 14``)."""
    text = _pick(_PLACE, language).format(file=file, row=row)
    return f"{office}, {text}" if office else text


def known_codes() -> frozenset[str]:
    return frozenset(_TEMPLATES)


# Messages earlier versions wrote into notes, still the tool's own when a workbook has them
_EARLIER_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "Возможный дубль клиента: строки {rows} (группа {group}, совпадает: {reasons})",
        "Можливий дубль клієнта: рядки {rows} (група {group}, збігається: {reasons})",
        "Possible duplicate client: rows {rows} (group {group}, matching: {reasons})",
    ),
)


@functools.cache
def _any_problem_line() -> re.Pattern[str]:
    """A note line as the tool writes it: a bullet, then a problem message in any language."""
    shapes = []
    for entry in (
        *_TEMPLATES.values(),
        *_ONE_ROW.values(),
        *_MANY_ROWS.values(),
        *_EARLIER_TEMPLATES,
    ):
        for template in entry:
            parts = re.split(r"\{[a-z_]+\}", template)
            shapes.append(".+?".join(map(re.escape, parts)))
    return re.compile("• (?:" + "|".join(sorted(set(shapes))) + ")")


def is_problem_note(text: str) -> bool:
    """True when every line of ``text`` is a problem message the tool writes, bulleted: a note
    the tool can tell is its own even where another program's save dropped its author and the
    tool's record (it never takes a note it cannot prove is its own)."""
    lines = text.replace("\r\n", "\n").split("\n")
    pattern = _any_problem_line()
    return bool(text.strip()) and all(pattern.fullmatch(line) for line in lines)


# Notices about files (refusals, conflicts): code -> (ru, uk, en). Parameters name the file,
# part, sheet and limits, never a cell's value.
_RESAVE = (
    "откройте файл в Excel и сохраните его заново",
    "відкрийте файл в Excel і збережіть його знову",
    "open it in Excel and save it again",
)
_NOTICES: dict[str, tuple[str, str, str]] = {
    "source.unknown": (
        "{source}: ожидается книга .xlsx или .xlsm или gsheet:ID",
        "{source}: очікується книга .xlsx або .xlsm чи gsheet:ID",
        "{source}: expected an .xlsx or .xlsm workbook or gsheet:ID",
    ),
    "source.library_missing": (
        "{source}: для источника {backend} нужен {missing}; установите: pip install {install}",
        "{source}: для джерела {backend} потрібен {missing}; встановіть: pip install {install}",
        "{source}: the {backend} backend needs {missing}; install it with: pip install {install}",
    ),
    "write.recovered": (
        "другая программа пересохранила книгу и убрала отметку clientbase; листы {sheets} "
        "узнаны по заголовкам и обновлены",
        "інша програма перезберегла книгу й прибрала позначку clientbase; аркуші {sheets} "
        "впізнано за заголовками й оновлено",
        "another program re-saved the workbook and dropped clientbase's record; the sheets "
        "{sheets} were recognised by their headers and updated",
    ),
    "write.opened": (
        "{file} открыли во время записи; ничего не записано",
        "{file} відкрили під час запису; нічого не записано",
        "{file} was opened while writing; nothing was written",
    ),
    "write.conflict_copy": (
        "{file} сохранили во время записи clientbase: ваша версия осталась на месте, "
        "результат clientbase сохранён рядом как «{copy}»",
        "{file} зберегли під час запису clientbase: ваша версія лишилася на місці, "
        "результат clientbase збережено поруч як «{copy}»",
        "{file} was saved while clientbase was writing: your version stays in place, "
        "clientbase's result was saved beside it as '{copy}'",
    ),
    "undo.conflict": (
        "{file} сохранили во время отмены; ничего не восстановлено",
        "{file} зберегли під час скасування; нічого не відновлено",
        "{file} was saved during the undo; nothing was restored",
    ),
    "file.not_found": (
        "{file}: файл не найден",
        "{file}: файл не знайдено",
        "{file}: file not found",
    ),
    "file.cannot_open": (
        "{file}: файл не открывается ({reason})",
        "{file}: файл не відкривається ({reason})",
        "{file}: cannot open ({reason})",
    ),
    "file.empty": (
        "{file}: файл пустой (0 байт)",
        "{file}: файл порожній (0 байтів)",
        "{file}: the file is empty (0 bytes)",
    ),
    "file.protected_or_xls": (
        "{file}: книга защищена паролем или в старом формате .xls; сохраните её как "
        ".xlsx без пароля",
        "{file}: книга захищена паролем або в старому форматі .xls; збережіть її як "
        ".xlsx без пароля",
        "{file}: the workbook is password-protected or in the old .xls format; save it as an "
        "unprotected .xlsx",
    ),
    "file.text": (
        "{file}: это не книга Excel, а текст (CSV?); откройте его в Excel и сохраните как .xlsx",
        "{file}: це не книга Excel, а текст (CSV?); відкрийте його в Excel і збережіть як .xlsx",
        "{file}: not an Excel workbook: the content is text (CSV?); open it in Excel and save "
        "it as .xlsx",
    ),
    "file.not_zip": (
        "{file}: это не книга Excel (не zip-пакет)",
        "{file}: це не книга Excel (не zip-пакет)",
        "{file}: not an Excel workbook: the content is not a zip package",
    ),
    "file.incomplete_zip": (
        "{file}: книга повреждена (неполный zip); возможно, её ещё сохраняют",
        "{file}: книгу пошкоджено (неповний zip); можливо, її ще зберігають",
        "{file}: the workbook is damaged (incomplete zip); it may still be being saved",
    ),
    "package.part_too_big": (
        "{file}: часть {part} распаковывается в {size} МБ, больше предела {limit} МБ "
        "(ключ limits.max_part_mb); файл не прочитан — {resave}",
        "{file}: частина {part} розпаковується в {size} МБ, більше за межу {limit} МБ "
        "(ключ limits.max_part_mb); файл не прочитано — {resave}",
        "{file}: part {part} unpacks to {size} MB, more than the limit of {limit} MB "
        "(key limits.max_part_mb); the file was not read — {resave}",
    ),
    "package.too_big": (
        "{file}: пакет распаковывается в {size} МБ, больше предела {limit} МБ "
        "(ключ limits.max_unpacked_mb); файл не прочитан — {resave}",
        "{file}: пакет розпаковується в {size} МБ, більше за межу {limit} МБ "
        "(ключ limits.max_unpacked_mb); файл не прочитано — {resave}",
        "{file}: the package unpacks to {size} MB, more than the limit of {limit} MB "
        "(key limits.max_unpacked_mb); the file was not read — {resave}",
    ),
    "package.ratio": (
        "{file}: часть {part} сжата в {ratio} раз, больше предела {limit} "
        "(ключ limits.max_ratio): похоже на zip-бомбу; файл не прочитан — {resave}",
        "{file}: частину {part} стиснуто в {ratio} разів, більше за межу {limit} "
        "(ключ limits.max_ratio): схоже на zip-бомбу; файл не прочитано — {resave}",
        "{file}: part {part} is compressed {ratio} times, more than the limit of {limit} "
        "(key limits.max_ratio): it looks like a zip bomb; the file was not read — {resave}",
    ),
    "package.size_lie": (
        "{file}: часть {part} распаковывается в больше байт, чем заявлено; файл не прочитан"
        " — {resave}",
        "{file}: частина {part} розпаковується в більше байтів, ніж заявлено; файл не "
        "прочитано — {resave}",
        "{file}: part {part} unpacks to more bytes than it declares; the file was not read"
        " — {resave}",
    ),
    "package.duplicate": (
        "{file}: в пакете две части с именем {part}; файл не прочитан — {resave}",
        "{file}: у пакеті дві частини з назвою {part}; файл не прочитано — {resave}",
        "{file}: the package holds two parts named {part}; the file was not read — {resave}",
    ),
    "package.bad_name": (
        "{file}: имя части {part} указывает за пределы пакета; файл не прочитан — {resave}",
        "{file}: назва частини {part} вказує за межі пакета; файл не прочитано — {resave}",
        "{file}: the part name {part} points outside the package; the file was not read — {resave}",
    ),
    "package.crc": (
        "{file}: часть {part} повреждена (контрольная сумма не сходится); файл не прочитан"
        " — {resave}",
        "{file}: частину {part} пошкоджено (контрольна сума не збігається); файл не "
        "прочитано — {resave}",
        "{file}: part {part} is damaged (its checksum does not match); the file was not read"
        " — {resave}",
    ),
    "package.damaged": (
        "{file}: часть {part} не читается ({reason}); файл не прочитан — {resave}",
        "{file}: частина {part} не читається ({reason}); файл не прочитано — {resave}",
        "{file}: part {part} cannot be read ({reason}); the file was not read — {resave}",
    ),
    "package.bad_xml": (
        "{file}: лист «{sheet}» (часть {part}) — не корректный XML; файл не прочитан — {resave}",
        "{file}: аркуш «{sheet}» (частина {part}) — некоректний XML; файл не прочитано — {resave}",
        "{file}: sheet '{sheet}' (part {part}) is not valid XML; the file was not read — {resave}",
    ),
    "package.unreadable": (
        "{file}: книгу не удаётся прочитать; {resave}",
        "{file}: книгу не вдається прочитати; {resave}",
        "{file}: the workbook cannot be read; {resave}",
    ),
    "sheet.missing": (
        "{file}: лист «{sheet}» не найден (ключ {key}); листы в книге: {sheets}",
        "{file}: аркуш «{sheet}» не знайдено (ключ {key}); аркуші в книзі: {sheets}",
        "{file}: sheet '{sheet}' not found (key {key}); the workbook has: {sheets}",
    ),
    # what the commands print: counts, file and field names, never a client's data
    "fix.written": (
        "Записаны стандартные формы: {counts}.",
        "Записано стандартні форми: {counts}.",
        "Standard forms written: {counts}.",
    ),
    "fix.planned": (
        "Пробный запуск: было бы записано {counts}; ничего не записано.",
        "Пробний запуск: було б записано {counts}; нічого не записано.",
        "Dry run: would write {counts}; nothing written.",
    ),
    "fix.nothing": (
        "Все значения уже записаны в стандартной форме — менять нечего.",
        "Усі значення вже записано в стандартній формі — змінювати нічого.",
        "Every value is already in its standard form: nothing to change.",
    ),
    "fix.audit": (
        "Прежние значения — в журнале изменений {log}.",
        "Попередні значення — у журналі змін {log}.",
        "The original values are in the audit log {log}.",
    ),
    "fix.undo_file": (
        "Вернуть всё как было: clientbase undo {source}",
        "Повернути все як було: clientbase undo {source}",
        "To put everything back: clientbase undo {source}",
    ),
    "fix.undo_sheet": (
        "Вернуть всё как было: История версий таблицы Google (Файл › История версий).",
        "Повернути все як було: Історія версій таблиці Google (Файл › Історія версій).",
        "To put everything back: the Google Sheet's version history (File › Version history).",
    ),
    "export.excluded": (
        "Не вошли в выгрузку: {counts}.",
        "Не увійшли до вивантаження: {counts}.",
        "Left out of the export: {counts}.",
    ),
    "summary.name": ("ФИО", "ПІБ", "Name"),
    "summary.phone": ("Телефон", "Телефон", "Phone"),
    "summary.hot": ("Горячие лиды", "Гарячі ліди", "Hot leads"),
    "summary.birthdays": ("Дни рождения скоро", "Дні народження незабаром", "Birthdays coming up"),
    "fix.not_written": (
        "Ничего не записано: {status}",
        "Нічого не записано: {status}",
        "Nothing written: {status}",
    ),
}


def notice(code: str, language: str, params: Mapping[str, object] | None = None) -> str:
    """A notice in ``language``: about a file (a refusal, a conflict) or a line a command
    prints."""
    values = {"resave": _pick(_RESAVE, language), **(params or {})}
    entry = _NOTICES.get(code)
    return _pick(entry, language).format(**values) if entry else code


def notice_codes() -> frozenset[str]:
    return frozenset(_NOTICES)


_FIELD_NAMES: dict[str, tuple[str, str, str]] = {
    "phone": ("телефонов", "телефонів", "phones"),
    "email": ("адресов почты", "адрес пошти", "emails"),
    "name": ("ФИО", "ПІБ", "names"),
}


_EXCLUDED: dict[str, tuple[str, str, str]] = {
    "consent": ("без согласия на рассылку", "без згоди на розсилку", "no consent to mailing"),
    "contact": (
        "без действующего телефона или почты",
        "без чинного телефону чи пошти",
        "no valid phone or email",
    ),
    "fresh": (
        "данные давно не проверялись",
        "дані давно не перевірялися",
        "contact data not verified for too long",
    ),
    "segment": ("не из этого сегмента", "не з цього сегмента", "not in the segment"),
}


def excluded_counts(counts: Mapping[str, int], language: str) -> str:
    """``без согласия на рассылку 412, данные давно не проверялись 97``."""
    return ", ".join(
        f"{_pick(_EXCLUDED[k], language) if k in _EXCLUDED else k} {n}" for k, n in counts.items()
    )


def field_counts(counts: Mapping[str, int], language: str) -> str:
    """``телефонов 639, адресов почты 151``: how many values of each field."""
    return ", ".join(
        f"{_pick(_FIELD_NAMES[f], language) if f in _FIELD_NAMES else f} {n}"
        for f, n in counts.items()
    )


# The export's header, by column key (the keys are the CSV's header with ``--delimiter`` and
# no language, for scripts).
_EXPORT_HEADERS: dict[str, tuple[str, str, str]] = {
    "id": ("ID", "ID", "ID"),
    "name": ("ФИО", "ПІБ", "Name"),
    "phone": ("Телефон", "Телефон", "Phone"),
    "email": ("Email", "Email", "Email"),
    "consent": ("Согласие на рассылку", "Згода на розсилку", "Consent"),
    "rfm_segment": ("RFM-сегмент", "RFM-сегмент", "RFM segment"),
    "abc": ("ABC", "ABC", "ABC"),
    "xyz": ("XYZ", "XYZ", "XYZ"),
    "vip": ("VIP", "VIP", "VIP"),
    "temperature": ("Температура", "Температура", "Temperature"),
    "revenue": ("Выручка", "Виручка", "Revenue"),
    "orders": ("Заказов", "Замовлень", "Orders"),
    "last_order": ("Последний заказ", "Останнє замовлення", "Last order"),
    "duplicate_rows": ("Строки дублей", "Рядки дублів", "Duplicate rows"),
}
_NO: tuple[str, str, str] = ("нет", "ні", "no")
_YES: tuple[str, str, str] = ("да", "так", "yes")


def export_header(key: str, language: str) -> str:
    return _pick(_EXPORT_HEADERS[key], language) if key in _EXPORT_HEADERS else key


def yes_no(value: bool, language: str) -> str:
    return _pick(_YES if value else _NO, language)


# The note on a tool column's header: what the column means, with the configured bounds.
_COLUMN_NOTES: dict[str, tuple[str, str, str]] = {
    "segment": (
        "RFM-сегмент: по давности последней покупки (R), числу заказов (F) и выручке (M); "
        "каждый балл 1–5 — по доле клиентов с меньшим значением.",
        "RFM-сегмент: за давністю останньої покупки (R), кількістю замовлень (F) і виручкою "
        "(M); кожен бал 1–5 — за часткою клієнтів із меншим значенням.",
        "RFM segment: by recency of the last order (R), number of orders (F) and revenue (M); "
        "each score 1–5 by the share of clients with a lower value.",
    ),
    "abc": (
        "ABC по выручке: A — клиенты первых {a} % выручки, B — до {b} %, C — остальные "
        "покупатели; пусто — заказов нет.",
        "ABC за виручкою: A — клієнти перших {a} % виручки, B — до {b} %, C — решта "
        "покупців; порожньо — замовлень немає.",
        "ABC by revenue: A — the clients of the first {a} % of revenue, B — up to {b} %, "
        "C — the other buyers; empty — no orders.",
    ),
    "xyz": (
        "XYZ — ровность покупок по месяцам за 12 месяцев (коэффициент вариации): "
        "X — до {x}, Y — до {y}, Z — больше; пусто — покупок за год не было.",
        "XYZ — рівномірність покупок за місяцями за 12 місяців (коефіцієнт варіації): "
        "X — до {x}, Y — до {y}, Z — більше; порожньо — покупок за рік не було.",
        "XYZ — how even the monthly purchases of the last 12 months are (coefficient of "
        "variation): X up to {x}, Y up to {y}, Z above; empty — no purchases in the year.",
    ),
    "vip": (
        "VIP: выручка не меньше {multiple} × средней по покупателям или не меньше {orders} "
        "заказов за 365 дней.",
        "VIP: виручка не менша за {multiple} × середню по покупцях або не менше {orders} "
        "замовлень за 365 днів.",
        "VIP: revenue at least {multiple} × the buyers' mean, or at least {orders} orders in "
        "365 days.",
    ),
    "temperature": (
        "Горячий — контакт за последние {hot} дней и после него заказа не было; тёплый — "
        "есть заказы; холодный — заказов нет.",
        "Гарячий — контакт за останні {hot} днів і після нього замовлення не було; теплий — "
        "є замовлення; холодний — замовлень немає.",
        "Hot — a contact within the last {hot} days and no order since; warm — has orders; "
        "cold — no orders.",
    ),
    "duplicate": (
        "Возможный дубль: номер группы (#N) и другие записи того же человека (ID и ФИО).",
        "Можливий дубль: номер групи (#N) та інші записи тієї самої людини (ID і ПІБ).",
        "Possible duplicate: the group number (#N) and the person's other records (ID, name).",
    ),
}


def column_note(key: str, language: str, **params: object) -> str | None:
    """What a tool column means, for its header's note (None for a column without one)."""
    entry = _COLUMN_NOTES.get(key)
    return _pick(entry, language).format(**params) if entry else None
