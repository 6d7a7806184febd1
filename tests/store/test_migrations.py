from sqlalchemy import inspect

from lily.store.db import make_engine
from lily.store.migrate import current_revision


def test_migrations_create_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    names = set(inspect(engine).get_table_names())
    assert {"tenants", "assets", "lineage_edges", "classifications", "changes", "audit_log", "search_docs"} <= names
    assert current_revision(engine) is not None
