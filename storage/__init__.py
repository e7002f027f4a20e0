"""SQLAlchemy mapping, repositories and the unit of work; Alembic migrations beside them."""
