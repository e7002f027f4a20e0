"""Reading a school's spreadsheets (a folder of CSV files or one XLSX workbook) into raw tables.

Only file formats live here; what the cells mean is decided in `domain.importing`.
"""
