"""Free text: find entity spans in one text, and replace them in a whole Arrow column.

:func:`scrub_text` does as much as it can inside Arrow: expressions that are proof enough (emails)
are replaced by ``replace_substring_regex`` over the whole column, and one combined expression picks
the rows that may hold anything else; only those rows go through Python to have their matches
validated (a card number must pass Luhn, a phone number must be a possible number) and replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import pyarrow as pa
import pyarrow.compute as pc

from lily.classify.digits import ascii_digits_in, foreign_digit_rows
from lily.classify.model import Span
from lily.classify.spans import DEFAULT_TEXT_ENTITIES, SPECS, TEXT_ENTITIES, SpanSpec


def _wanted(entities: Collection[str] | None) -> frozenset[str]:
    if entities is None:
        return DEFAULT_TEXT_ENTITIES
    chosen = frozenset(entities)
    unknown = chosen - TEXT_ENTITIES
    if unknown:
        raise ValueError(f"no free-text recognizer for {sorted(unknown)}; known: {sorted(TEXT_ENTITIES)}")
    return chosen


def _specs(entities: frozenset[str]) -> tuple[SpanSpec, ...]:
    return tuple(spec for spec in SPECS if spec.entity in entities)


def spans_in(text: str, specs: tuple[SpanSpec, ...]) -> list[Span]:
    found: list[Span] = []
    for spec in specs:
        for match in spec.regex.finditer(text):
            start, end = match.span()
            if any(start < s.end and s.start < end for s in found):
                continue
            if spec.check is None or spec.check(text, start, end):
                found.append(Span(spec.entity, start, end))
    found.sort(key=lambda s: s.start)
    return found


def find_spans(text: str, entities: Collection[str] | None = None) -> list[Span]:
    """The validated entity spans in ``text``, in order, never overlapping (digits of any script
    count, as in ``scrub_text``).

    ``entities`` defaults to every pattern entity (names in prose only when asked for).
    """
    return spans_in(ascii_digits_in(text), _specs(_wanted(entities)))


def replace_spans(text: str, spans: list[Span], placeholder: Callable[[str], str]) -> str:
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        pieces.append(text[cursor : span.start])
        pieces.append(placeholder(span.entity))
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _rewrite(literal: str) -> str:
    """``literal`` as an RE2 rewrite string (backslashes are back-references there)."""
    return literal.replace("\\", "\\\\")


def candidate_mask(values: pa.Array, specs: tuple[SpanSpec, ...]) -> pa.Array:
    """Rows where any of ``specs`` may match, as a non-null boolean array."""
    union = "|".join(f"(?:{spec.pattern})" for spec in specs)
    return pc.fill_null(pc.match_substring_regex(values, union), False)


# Every pattern entity's spans hold a digit, an "@" or a ":" (IPv6): a filter that compiles in no time,
# for samples too small to repay compiling the precise union above.
LOOSE_CANDIDATES = "[0-9@:]"


def scrub_text(values: pa.Array | pa.ChunkedArray, entities: Collection[str] | None = None,
               placeholder: Callable[[str], str] = lambda e: f"<{e}>") -> pa.Array:
    """``values`` with every validated span of ``entities`` replaced by ``placeholder(entity)``; nulls
    stay null and the array keeps its type."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    original = array.type
    if not (pa.types.is_string(original) or pa.types.is_large_string(original)):
        array = array.cast(pa.string())
    specs = _specs(_wanted(entities))
    # Rows with digits of other scripts: their spans are found on the ASCII-digit text (one character
    # for one, so positions hold) and replaced in the original, apart from the Arrow path below.
    foreign = foreign_digit_rows(array)
    if foreign is not None:
        foreign_fixed = pa.array([replace_spans(text, spans_in(ascii_digits_in(text), specs), placeholder)
                                  for text in array.filter(foreign).to_pylist()], type=array.type)
    for spec in specs:
        if spec.check is None:
            array = pc.replace_substring_regex(array, spec.pattern, _rewrite(placeholder(spec.entity)))
    checked = tuple(spec for spec in specs if spec.check is not None)
    if checked and len(array):
        mask = candidate_mask(array, checked)
        if pc.any(mask).as_py():
            rows = array.filter(mask).to_pylist()
            fixed = [replace_spans(text, spans_in(text, checked), placeholder) for text in rows]
            array = pc.replace_with_mask(array, mask, pa.array(fixed, type=array.type))
    if foreign is not None:
        array = pc.replace_with_mask(array, foreign, foreign_fixed)
    return array if array.type == original else array.cast(original)
