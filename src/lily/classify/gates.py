"""Cheap per-column counts that bound what a recognizer's pattern could match.

Arrow compiles a regular expression on every call, and a precise pattern costs far more to compile
than to run over a thousand values. A handful of trivial expressions, run once per column, tell how
many values could possibly match each recognizer (an email needs an "@", a card number is digits and
separators, a name has no digit), and the histogram of value lengths tells how many have a length
the entity can have; a recognizer whose best case cannot reach a verdict is skipped without
compiling anything.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

ANY = "any"            # every value
AT = "at"              # holds "@"
DIGIT = "digit"        # holds a digit
NO_DIGIT = "no_digit"  # holds no digit
NUMERIC = "numeric"    # digits and separators only
TOKEN = "token"        # one run of ASCII letters and digits

_PATTERNS = {DIGIT: "[0-9]", NUMERIC: r"^[0-9 ()+.,/-]+$", TOKEN: "^[0-9A-Za-z]+$"}


class Gates:
    """Lazily computed gate counts over one column's sample, and its histogram of value lengths."""

    def __init__(self, values: pa.Array) -> None:
        self._values = values
        self._counts: dict[str, int] = {ANY: len(values)}
        self._lengths: list[tuple[int, int]] | None = None

    def within(self, low: int, high: int) -> int:
        """How many values are ``low`` to ``high`` characters long."""
        if self._lengths is None:
            histogram = pc.value_counts(pc.utf8_length(self._values))
            self._lengths = list(zip(histogram.field("values").to_pylist(), histogram.field("counts").to_pylist(),
                                     strict=True))
        return sum(count for length, count in self._lengths if low <= length <= high)

    def count(self, gate: str) -> int:
        found = self._counts.get(gate)
        if found is None:
            if gate == NO_DIGIT:
                found = len(self._values) - self.count(DIGIT)
            elif gate == AT:
                found = pc.sum(pc.match_substring(self._values, "@")).as_py() or 0
            else:
                found = pc.sum(pc.match_substring_regex(self._values, _PATTERNS[gate])).as_py() or 0
            self._counts[gate] = found
        return found
