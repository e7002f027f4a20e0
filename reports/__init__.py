"""Printable documents: PDF rendering."""
