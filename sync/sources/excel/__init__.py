"""A workbook open in Excel, through xlwings (the buttons' source)."""
