"""The journal's rules and use cases. Pure Python: no messenger, no database here."""
