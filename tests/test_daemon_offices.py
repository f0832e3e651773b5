"""Two offices' real daemons on two folders sharing one PostgreSQL cluster: a client typed in
both offices' workbooks is flagged in both, and cleared in both when one side corrects it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from .offices import Office, note, wait_for, write_clients

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="signals and inotify semantics"),
]

IVANOV_KAZAN = ["K000001", "Иванов Иван Иванович", "8 (912) 345-67-89", None]
IVANOV_MOSCOW = ["M000002", "Иванов И. И.", "+7 912 345 67 89", None]
STRANGER = ["M000001", "Коваленко Мария", "+380 67 765 4321", "m.k@ukr.net"]
SEEN = "другой таблице"


@pytest.fixture
def offices(pg_url: str, tmp_path: Path) -> Iterator[tuple[Office, Office]]:
    kazan = Office(tmp_path, "Казань", pg_url, tmp_path / "index.key")
    moscow = Office(tmp_path, "Москва", pg_url, tmp_path / "index.key")
    kazan.start()  # the first office makes the key; the other one uses its copy
    assert wait_for(lambda: "workbook(s) found" in kazan.log), kazan.log
    moscow.start()
    assert wait_for(lambda: "workbook(s) found" in moscow.log), moscow.log
    yield kazan, moscow
    kazan.stop()
    moscow.stop()


def test_a_client_in_two_offices_is_flagged_in_both_and_cleared_in_both(
    offices: tuple[Office, Office], pg_url: str
) -> None:
    kazan, moscow = offices
    # both offices call their workbook clients.xlsx: paths are kept per office
    in_kazan, in_moscow = kazan.folder / "clients.xlsx", moscow.folder / "clients.xlsx"
    write_clients(in_kazan, [IVANOV_KAZAN])
    assert wait_for(lambda: "clients.xlsx: updated" in kazan.log), kazan.log
    write_clients(in_moscow, [STRANGER, IVANOV_MOSCOW])

    def flagged_both() -> bool:
        return "Казань, clients.xlsx, строка 2" in note(in_moscow, "C3") and (
            "Москва, clients.xlsx, строка 3" in note(in_kazan, "C2")
        )

    assert wait_for(flagged_both), kazan.log + moscow.log
    assert SEEN not in note(in_moscow, "C2")  # the stranger is left alone

    # Moscow corrects its row: the note goes in both offices
    write_clients(in_moscow, [STRANGER, [*IVANOV_MOSCOW[:2], "+7 912 000 00 01", None]])

    def cleared_both() -> bool:
        return SEEN not in note(in_kazan, "C2") and SEEN not in note(in_moscow, "C3")

    assert wait_for(cleared_both), kazan.log + moscow.log

    # the shared database holds no phone, email or name in clear
    with psycopg.connect(pg_url) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        dump = "".join(str(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables)
    assert not any(s in dump for s in ("9123456789", "912) 345", "Иванов", "m.k@", "Коваленко"))
    assert "Казань" in dump and "Москва" in dump  # (the dump did read the tables)
