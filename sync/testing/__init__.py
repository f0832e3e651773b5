"""Test doubles shipped with the package (like httpx's ``MockTransport``): a local Google Sheets API
emulator (``sheets``) and a real gspread client pointed at it (``gspread_local``), so the product
and library users can test against Sheets without credentials or network."""
