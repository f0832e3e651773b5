"""Google Sheets through gspread: ``source`` reads and writes in a handful of API calls, ``plan``
turns a write plan into Sheets API requests (pure)."""
