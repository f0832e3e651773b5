"""Where a Google Sheet's data lives, said once per process.

Since 1 July 2025 Russian law (152-FZ as amended by 23-FZ) forbids the first collection of
Russian citizens' personal data into databases abroad, and a Google Sheet is such a database for
most offices. A config that speaks Russian, or whose phone regions include RU, is taken as an
office that may collect such data: the first time it opens a real Google Sheet, one warning in
the config's language says so (the local emulator is not Google and is not warned about).
"""

from __future__ import annotations

import logging
import threading

from sync.core.config import Config
from sync.core.messages import message

log = logging.getLogger("clientbase.google")
_warned: set[str] = set()
_lock = threading.Lock()


def may_hold_russian_data(config: Config) -> bool:
    return config.language == "ru" or "RU" in config.phone.regions


def warn_data_abroad(config: Config, spreadsheet: str) -> bool:
    """Log the warning the first time in this process; whether it was logged now."""
    if not may_hold_russian_data(config):
        return False
    with _lock:
        if _warned:
            return False
        _warned.add(spreadsheet)
    log.warning("%s", message("notice.data_abroad", config.language, {"sheet": spreadsheet}))
    return True
