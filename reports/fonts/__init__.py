"""DejaVu fonts (see LICENSE) for Cyrillic in the PDFs; a package so that the wheel ships them."""
