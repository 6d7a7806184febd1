"""Whether a column of prose holds personal data: the share of its values with validated spans.

A handful of emails in a notes column is already personal data, so the bar is a few percent of
rows, lower for entities a checksum or an unambiguous shape proves (emails, IBANs, cards, wallets,
SSNs) than for phones and IP addresses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from lily.classify.scoring import sigmoid
from lily.classify.spans import DEFAULT_TEXT_ENTITIES, SPECS
from lily.classify.text import LOOSE_CANDIDATES, spans_in

MIN_WORDS = 3.0       # mean words per value for a column to be read as prose
MIN_UNSPACED_CHARS = 12.0  # ...or mean characters, in a script without spaces between words
_WORD = r"\pL\S*"   # a word: one match per whitespace-separated token that holds a letter
_UNSPACED = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]{4}"
MAX_CHECKED = 300     # candidate rows validated per column
_PRIOR, _STRONG, _WEAK = -3.0, 100.0, 50.0
_SPECS = tuple(spec for spec in SPECS if spec.entity in DEFAULT_TEXT_ENTITIES)
_STRONG_ENTITIES = frozenset(spec.entity for spec in _SPECS if spec.strong)


@dataclass(frozen=True)
class TextFinding:
    confidence: float
    entities: list[str]          # by number of rows, most frequent first
    rows_with_spans: float       # estimated share of sampled values holding any span
    counts: dict[str, int]       # rows holding each entity among those checked
    checked: int


def is_prose(values: pa.Array) -> bool:
    """Three words a value on average; or, in scripts written without spaces between words (Chinese,
    Japanese, Thai), sentences: most values in such a script and ``MIN_UNSPACED_CHARS`` long on average.
    A word holds a letter: digit groups ("58844 786 43", a plate) are a code, not a sentence."""
    if len(values) == 0:
        return False
    if pc.mean(pc.count_substring_regex(values, _WORD)).as_py() >= MIN_WORDS:
        return True
    if (pc.mean(pc.utf8_length(values)).as_py() or 0.0) < MIN_UNSPACED_CHARS:
        return False  # most columns (codes, ids, names, emails) stop here, before the script is looked at
    return (pc.mean(pc.cast(pc.match_substring_regex(values, _UNSPACED), pa.int8())).as_py() or 0.0) >= 0.5


def scan(values: pa.Array) -> TextFinding:
    """Validate spans on (at most ``MAX_CHECKED``) rows the combined expression picks."""
    n = len(values)
    mask = pc.match_substring_regex(values, LOOSE_CANDIDATES)
    candidates = values.filter(mask)
    m = len(candidates)
    if m == 0:
        return TextFinding(sigmoid(_PRIOR), [], 0.0, {}, 0)
    if m > MAX_CHECKED:
        candidates = candidates.take(pa.array([i * m // MAX_CHECKED for i in range(MAX_CHECKED)], type=pa.int64()))
    counts: Counter[str] = Counter()
    strong_rows = weak_rows = 0
    texts = candidates.to_pylist()
    for text in texts:
        found = {span.entity for span in spans_in(text, _SPECS)}
        counts.update(found)
        if found & _STRONG_ENTITIES:
            strong_rows += 1
        elif found:
            weak_rows += 1
    scale = (m / n) / len(texts) * n / (n + 10)  # checked rows -> share of all sampled rows, shrunk
    strong, weak = strong_rows * scale, weak_rows * scale
    confidence = sigmoid(_PRIOR + _STRONG * strong + _WEAK * weak)
    return TextFinding(confidence, [e for e, _ in counts.most_common()], (strong_rows + weak_rows) * scale,
                       dict(counts.most_common()), len(texts))
