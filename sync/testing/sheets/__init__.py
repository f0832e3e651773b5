"""A local Google Sheets / Drive API emulator over HTTP on 127.0.0.1 (``emulator`` is the entry;
``server`` the HTTP side, ``store`` the spreadsheets, ``batch_requests`` the batchUpdate requests,
``cells`` / ``fields`` / ``a1`` the value, field-mask and range rules)."""
