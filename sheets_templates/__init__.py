"""Declarative templates of the workbook clientbase creates (`clientbase init`)."""
