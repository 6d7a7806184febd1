"""Quality: three ways to make the suite cheaper, each beside what Lily does now, in one run.

    python benchmarks/quality_ideas.py --rows 1000000 --repeat 3

The figures and the decisions are in docs/quality.md ("Where the time goes"). Data: the ``orders``
partition of benchmarks/quality.py (same generator) and a ``codes`` table of as many rows holding
1,000 distinct e-mail addresses (dictionary-compressed by DuckDB's storage), in one DuckDB file
(not timed); ``codes`` is also handed to DuckDB as an Arrow table, as pipelines hand it their
partitions. Contenders alternate within each round; the best of ``--repeat`` rounds counts, for
wall time and for CPU time (every DuckDB thread: what other jobs on a shared machine move less).

1. **Named formats as native predicates** (no regular expression): each candidate is exact by
   construction and is checked here row by row against the regular expression on the data
   (``differs`` must be 0). UUID: 36 bytes, dashes at 9/14/19/24, and DuckDB's UUID cast (which
   alone also accepts braces, no dashes and dashes anywhere); or one GLOB of 32 character classes;
   ``ltrim`` with a set is the cost of one part of a native test (the set), not a test. E.164: 8-16 bytes, a ``+``, and the
   rest equal to its own round trip through ``UBIGINT`` (digits only, no leading zero). E-mail: no
   cheap exact predicate exists, so a pre-filter (no ``@``: invalid without the regex) in front
   of it. ``re2 '.*'`` is the regular-expression engine's floor: any pattern at all.
2. **Once per distinct value** on a low-cardinality column: per row (what DuckDB does with
   ``regexp_full_match`` even on a dictionary-compressed column), grouped first (a subquery that
   reads the column once more), and ``histogram()`` inside the one scan; and the same on the
   distinct ``orders.email``, which is what happens when the column is not low-cardinality.
3. **Statistics**: Lily's aggregate statement for the 16 checks without regular expressions, and
   the same statement without the aggregates that per-file statistics could answer (``COUNT(*)``,
   ``COUNT(col)``, ``MAX`` of the freshness and distribution columns).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp, parse_one

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.quality

from benchmarks.quality import NO_REGEX, generate

from lily.quality import compile_checks, sql
from lily.quality.formats import FORMATS


def regex(column: str, fmt: str) -> str:
    """The format's test exactly as Lily's scan writes it (``regexp_matches``, anchored)."""
    return sql.full_match(parse_one(column, read="duckdb"), FORMATS[fmt]).sql("duckdb")


UUID_NATIVE = ("(strlen(order_uuid) = 36 AND order_uuid[9] = '-' AND order_uuid[14] = '-' AND order_uuid[19] = '-'"
               " AND order_uuid[24] = '-' AND TRY_CAST(order_uuid AS UUID) IS NOT NULL)")
UUID_GLOB = "(order_uuid GLOB '" + "-".join("[0-9a-fA-F]" * n for n in (8, 4, 4, 4, 12)) + "')"
PHONE_NATIVE = ("(strlen(phone) BETWEEN 8 AND 16 AND starts_with(phone, '+')"
                " AND CAST(TRY_CAST(phone[2:] AS UBIGINT) AS VARCHAR) = phone[2:])")
EMAIL_PREFILTERED = f"(CASE WHEN NOT contains(email, '@') THEN false ELSE {regex('email', 'email')} END)"

FORMAT_CONTENDERS = {  # name -> (column, predicate, the regex it must agree with)
    "uuid: re2": ("order_uuid", regex("order_uuid", "uuid"), None),
    "uuid: native (cast)": ("order_uuid", UUID_NATIVE, regex("order_uuid", "uuid")),
    "uuid: GLOB of 32 classes": ("order_uuid", UUID_GLOB, regex("order_uuid", "uuid")),
    "uuid: ltrim(x, hex + '-') = '' (a part only)": ("order_uuid", "ltrim(order_uuid, '0123456789abcdefABCDEF-') = ''",
                                                     None),
    "uuid: re2 '.*'": ("order_uuid", "regexp_full_match(order_uuid, '.*')", None),
    "phone: re2": ("phone", regex("phone", "phone_e164"), None),
    "phone: native (round trip)": ("phone", PHONE_NATIVE, regex("phone", "phone_e164")),
    "email: re2": ("email", regex("email", "email"), None),
    "email: '@' pre-filter + re2": ("email", EMAIL_PREFILTERED, regex("email", "email")),
    "email: re2 '.*'": ("email", "regexp_full_match(email, '.*')", None),
}


_U = "123e4567-e89b-12d3-a456-426614174000"
NEAR_MISSES = [  # each candidate must give the regex's verdict on these too
    _U, _U.upper(), "{" + _U + "}", _U.replace("-", ""), "123e4567e89b-12d3-a456-426614174000-", " " + _U[1:],
    _U[:-1] + "g", "1-23e4567e89b-12d3-a456-426614174000", "{123e4567e89b12d3a456426614174000}--", _U[:-1] + "é",
    "+1234567", "+0123456", "+123456", "+123456789012345", "+1234567890123456", "+12 345678", "+1_234567",
    "+1e10000", "+1234567.0", "+ 1234567", "++1234567", "+\uff11" + "\uff12" * 6, "+12345678901234567890", "+1234567\n",
    "a@b.c", "a@b", "@b.c", "a@-b.c", "a@b-.c", "a@b..c", "a..b@c.d", "é@x.com", "a@b.c.", "a b@c.d", "a@b.c\n",
    "a@" + "b" * 64 + ".c", "a@" + "b" * 63 + ".c", "a@b@c.d", "", "-", "+",
]


def distinct_contenders(relation: str, column: str) -> dict[str, str]:
    bad, entry = f"NOT {regex(column, 'email')}", regex("e.key", "email")
    return {
        "per row": f"SELECT count_if({bad}) FROM {relation}",
        "grouped first (2nd read)": f"SELECT coalesce(sum(n) FILTER (WHERE {bad}), 0) FROM "
                                    f"(SELECT {column}, count(*) AS n FROM {relation} GROUP BY {column})",
        "histogram() in the scan": f"SELECT coalesce(list_sum(list_transform(map_entries(histogram({column})), "
                                   f"lambda e: CASE WHEN {entry} THEN 0 ELSE e.value END)), 0) FROM {relation}",
    }


def without_metadata_aggregates(scan: str) -> str:
    """The statement minus what per-file statistics could answer: counts, and MAX of a column."""
    tree = parse_one(scan, read="duckdb")
    kept = [e for e in tree.expressions
            if not (isinstance(e.this, exp.Count) and isinstance(e.this.this, exp.Star | exp.Column))
            and not (isinstance(e.this, exp.Max) and isinstance(e.this.this, exp.Column))]
    return tree.select(*kept, append=False).sql("duckdb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lily-quality-ideas-") as tmp:
        db = Path(tmp) / "lake.duckdb"
        generate(db, args.rows)
        con = duckdb.connect(str(db))
        con.execute(f"CREATE TABLE codes AS SELECT 'user' || (range % 1000) || '@example.com' AS email "
                    f"FROM range({args.rows})")
        con.execute("CHECKPOINT")
        compression = con.execute("SELECT DISTINCT compression FROM pragma_storage_info('codes')"
                                  " WHERE segment_type = 'VARCHAR'").fetchall()
        con.close()
        con = duckdb.connect(str(db), read_only=True)
        con.register("codes_arrow", con.sql("SELECT * FROM codes").to_arrow_table())
        print(f"{args.rows:,} rows; DuckDB {duckdb.__version__}; codes stored as {sorted(c for (c,) in compression)}")

        queries: dict[str, str] = {f"1 {name}": f"SELECT count_if(NOT {pred}) FROM orders"
                                   for name, (_, pred, _) in FORMAT_CONTENDERS.items()}
        queries["1 floor: count(email)"] = "SELECT count(email) FROM orders"
        distinct = {label: distinct_contenders(relation, "email") for label, relation in (
            ("codes, 1,000 distinct (DuckDB table)", "codes"), ("codes, 1,000 distinct (Arrow)", "codes_arrow"),
            ("orders.email, distinct values", "orders"))}
        for label, contenders in distinct.items():
            queries.update({f"2 {label}: {name}": query for name, query in contenders.items()})
        scan = compile_checks("orders", NO_REGEX).scan
        queries["3 Lily's statement, 16 checks"] = scan
        queries["3 the same minus counts and MAX"] = without_metadata_aggregates(scan)

        near = duckdb.connect()
        near.execute("CREATE TABLE misses AS SELECT v AS order_uuid, v AS phone, v AS email FROM unnest(?) t(v)",
                     [NEAR_MISSES])
        # Exactness, untimed; null counts as false, as in Lily's COALESCE(rule, FALSE).
        for name, (_, pred, oracle) in FORMAT_CONTENDERS.items():
            if oracle is not None:
                differs = [c.execute(f"SELECT count_if(coalesce({pred}, false) <> coalesce({oracle}, false)) FROM {t}").fetchone()[0]
                           for c, t in ((con, "orders"), (near, "misses"))]
                print(f"{name}: differs from the regex on {differs[0]} rows of orders, "
                      f"{differs[1]} of {len(NEAR_MISSES)} near misses")
        for label, contenders in distinct.items():  # the three ways agree, untimed
            found = {con.execute(q).fetchone()[0] for q in contenders.values()}
            print(f"{label}: invalid e-mails {sorted(found)} (one number: the ways agree)")
        times: dict[str, list[float]] = {name: [] for name in queries}
        cpu: dict[str, list[float]] = {name: [] for name in queries}
        run: Callable[[str], Any] = lambda q: con.execute(q).fetchall()  # noqa: E731
        for _ in range(args.repeat):
            for name, query in queries.items():
                started, cpu_started = time.perf_counter(), time.process_time()
                run(query)
                times[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
        print(f"\n{'':66}{'best ms':>9}{'spread ms':>16}{'cpu ms':>9}{'cpu ns/row':>11}")
        for name, ts in times.items():
            print(f"{name:66}{min(ts) * 1e3:9.1f}{min(ts) * 1e3:8.1f}-{max(ts) * 1e3:<7.1f}"
                  f"{min(cpu[name]) * 1e3:9.1f}{min(cpu[name]) * 1e9 / args.rows:11.0f}")


if __name__ == "__main__":
    main()
