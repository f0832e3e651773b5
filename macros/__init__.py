"""The VBA modules of the Excel buttons (package data: ``clientbase excel-setup`` copies them)."""
