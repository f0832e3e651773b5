"""The surgical OOXML writer: rewrites only the sheet rows, styles, notes and tool sheets a write
plan touches and copies every other part of the package byte for byte (``writer`` is the entry)."""
