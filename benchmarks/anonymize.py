"""Anonymization operators: values per second over one column, beside DuckDB's md5() on the same column.

    python benchmarks/anonymize.py                      # 10,000,000 values, the figures in docs/quality.md
    python benchmarks/anonymize.py --values 200000      # a quick look while developing

Generates ``--values`` e-mail addresses (nearly all distinct: the worst case for ``hash`` and the
deterministic ``encrypt``, which work per distinct value) and as many 16-digit card numbers, as Arrow
arrays built by DuckDB from the row number (deterministic, not timed). Then, alternating
``--repeat`` times, it times each operator through ``lily.anonymize.apply_operator`` (Arrow in,
Arrow out) and DuckDB's built-in unkeyed ``md5()`` over the same e-mail column (Arrow in, Arrow
out), and prints values per second, the spread, and each operator's time relative to md5().
A sample of each output is checked against an independent oracle (Python's hmac, decrypt).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import platform
import time
from collections.abc import Callable

import duckdb
import pyarrow as pa

from lily.anonymize import KeyRing, OperatorSpec, apply_operator, decrypt

KEYS = KeyRing(hmac_key=hashlib.sha256(b"bench hmac").digest(), encryption_key=hashlib.sha256(b"bench enc").digest())


def columns(n: int) -> tuple[pa.Array, pa.Array]:
    con = duckdb.connect()
    table = con.sql(f"""
        SELECT 'user' || ((i * 48271) % 2147483647) || '@example.com' AS email,
               '4' || lpad(((i * 69621) % 999999999999999)::VARCHAR, 15, '0') AS card
        FROM range({n}) t(i)
    """).to_arrow_table()
    return table.column("email").combine_chunks(), table.column("card").combine_chunks()


def md5(values: pa.Array) -> pa.Array:
    con = duckdb.connect()
    con.register("_values", pa.table({"v": values}))
    return con.sql("SELECT md5(v) AS h FROM _values").to_arrow_table().column("h").combine_chunks()


def check(name: str, source: pa.Array, out: pa.Array) -> None:
    """Spot-check outputs against independent oracles."""
    picks = range(0, len(source), max(1, len(source) // 1000))
    values = [source[i].as_py() for i in picks]
    got = [out[i].as_py() for i in picks]
    if name == "hash":
        assert got == [hmac.new(KEYS.hmac_key, v.encode(), hashlib.sha256).hexdigest() for v in values]
    elif name.startswith("encrypt"):
        assert decrypt(pa.array(got), KEYS).to_pylist() == values
    elif name == "mask":
        assert got == ["*" * (len(v) - 4) + v[-4:] for v in values]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="alternating rounds; the best of each counts")
    args = parser.parse_args()

    started = time.perf_counter()
    emails, cards = columns(args.values)
    print(f"generated {args.values:,} e-mails and card numbers in {time.perf_counter() - started:.1f}s; "
          f"{platform.machine()}, {os.cpu_count()} cores, DuckDB {duckdb.__version__}")
    contenders: dict[str, tuple[pa.Array, Callable[[pa.Array], pa.Array]]] = {
        "duckdb md5() (unkeyed)": (emails, md5),
        "hash (HMAC-SHA256)": (emails, lambda v: apply_operator(v, OperatorSpec(kind="hash"), keys=KEYS)),
        "mask (keep last 4)": (cards, lambda v: apply_operator(v, OperatorSpec(kind="mask"))),
        "encrypt, deterministic": (
            emails, lambda v: apply_operator(v, OperatorSpec(kind="encrypt", deterministic=True), keys=KEYS)),
        "encrypt, random nonce": (emails, lambda v: apply_operator(v, OperatorSpec(kind="encrypt"), keys=KEYS)),
        "replace": (emails, lambda v: apply_operator(v, OperatorSpec(kind="replace"), entity="EMAIL")),
        "redact": (emails, lambda v: apply_operator(v, OperatorSpec(kind="redact"))),
    }
    oracle = {"hash (HMAC-SHA256)": "hash", "mask (keep last 4)": "mask",
              "encrypt, deterministic": "encrypt", "encrypt, random nonce": "encrypt"}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeat):
        for name, (source, fn) in contenders.items():
            start = time.perf_counter()
            out = fn(source)
            times[name].append(time.perf_counter() - start)
            assert len(out) == len(source)
            check(oracle.get(name, ""), source, out)
    base = min(times["duckdb md5() (unkeyed)"])
    print(f"\n{'':26}{'best s':>9}{'spread s':>17}{'values/s':>14}{'x md5 time':>12}")
    for name, ts in times.items():
        best = min(ts)
        print(f"{name:26}{best:9.3f}{best:9.3f}-{max(ts):<7.3f}{args.values / best:14,.0f}{best / base:12.1f}")


if __name__ == "__main__":
    main()
