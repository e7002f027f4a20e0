"""The check of each table, one module a table."""
