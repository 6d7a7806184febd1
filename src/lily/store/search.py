"""Full-text search over assets: one document per asset, indexed natively by each database.

SQLite uses an FTS5 external-content table, PostgreSQL a generated tsvector with a GIN index;
``search`` hides the difference. Documents hold names, description, columns and tags, with
punctuation turned into spaces so ``shop.public.dim_users`` is found by ``users``; the apply path
writes them (``lily.store.apply.search_docs``) with the same ``tokens`` as queries are split into.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import Connection, text

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(value: str) -> list[str]:
    return [t.lower() for t in _WORD.findall(value)]


# Each word is a prefix scan of the index (a one-letter word reads every term it starts): a query
# of hundreds of words took seconds of CPU on a 50,000-asset catalog. Searches use at most this many.
MAX_QUERY_WORDS = 8


def query_words(query: str) -> list[str]:
    """The words of ``query`` worth matching: each once, none that is a prefix of another (every
    word is a prefix match, so ``cust customer`` finds what ``customer`` finds), and at most
    ``MAX_QUERY_WORDS``, the longest (the most selective) first."""
    kept: list[str] = []
    for word in sorted(set(tokens(query)), key=lambda w: (-len(w), w)):
        if not any(k.startswith(word) for k in kept):
            kept.append(word)
    return kept[:MAX_QUERY_WORDS]


def search(conn: Connection, tenant_id: str, query: str, limit: int = 50) -> list[uuid.UUID]:
    """Asset ids matching every word of ``query`` (prefix match), best first. A query of more than
    ``MAX_QUERY_WORDS`` distinct words matches on its longest ones (a superset of the exact answer)."""
    words = query_words(query)
    if not words:
        return []
    if conn.dialect.name == "sqlite":
        match = " AND ".join(f'"{w}"*' for w in words)
        rows = conn.execute(text(
            "SELECT d.asset_id FROM search_fts f JOIN search_docs d ON d.rowid = f.rowid "
            "WHERE search_fts MATCH :m AND d.tenant_id = :t ORDER BY bm25(search_fts) LIMIT :n"
        ), {"m": match, "t": tenant_id, "n": limit}).scalars().all()
        return [uuid.UUID(r) if isinstance(r, str) else r for r in rows]
    tsq = " & ".join(f"{w}:*" for w in words)
    return list(conn.execute(text(
        "SELECT asset_id FROM search_docs WHERE tsv @@ to_tsquery('simple', :q) AND tenant_id = :t "
        "ORDER BY ts_rank(tsv, to_tsquery('simple', :q)) DESC LIMIT :n"
    ), {"q": tsq, "t": tenant_id, "n": limit}).scalars().all())
