"""PII detection: lily.classify beside Presidio's AnalyzerEngine on the same labeled columns, same run.

    python benchmarks/pii.py [--values 100] [--repeat 3] [--locales en_US,de_DE,...] [--quick]

Needs the ``bench`` extra (``pip install -e '.[test,bench]'``). The labeled columns are those of the
detection-quality test (tests/classify/labeled.py: Faker, eight locales, personal data, decoys,
telling/neutral/misleading names, nulls), ``--values`` values each.

Lily classifies each column with ``classify_column`` (name + values). Presidio analyses each non-null
value with ``BatchAnalyzerEngine`` (its path for structured data), the column name given as context
words; its column-level decision is the mapped entity found in the most values, when that share of
the column's values reaches a threshold. Presidio's F1 is reported at the best of a grid of value-score
and share thresholds (chosen on this very set, which favours Presidio), Lily's at its defaults.

Presidio needs a spaCy pipeline. Offline, none can be downloaded: the script uses ``spacy.blank("en")``
(a tokenizer, no NER model) unless ``--spacy-model`` names an installed one. So Presidio runs its
pattern recognizers (with the national-id ones of its other languages registered for English too),
and finds no PERSON or LOCATION, which only its NER model gives. ``tldextract`` is kept from fetching
the public suffix list (its bundled snapshot is used).

Each repeat times both tools over every column, alternating, and the figures show best / median / worst
columns per second of wall time, and per CPU second of this process (both tools run in it, one after
the other): on a shared, noisy machine the best of each, and CPU time, are the fairest ratios.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.classify.labeled import LOCALES, LabeledColumn, labeled_columns

from lily.classify import CLASSIFIER_VERSION, classify_column
from lily.classify.names import normalize

# Presidio entity -> Lily entity; anything else (DATE_TIME, URL, NRP, US_BANK_NUMBER, ...) is no entity.
PRESIDIO_ENTITIES = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN",
    "US_SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS", "PERSON": "PERSON_NAME", "LOCATION": "STREET_ADDRESS",
    "US_PASSPORT": "PASSPORT", "IT_PASSPORT": "PASSPORT", "IN_PASSPORT": "PASSPORT",
    "US_DRIVER_LICENSE": "DRIVER_LICENSE", "IT_DRIVER_LICENSE": "DRIVER_LICENSE", "CRYPTO": "CRYPTO_WALLET",
    "UK_NHS": "NATIONAL_ID", "UK_NINO": "NATIONAL_ID", "ES_NIF": "NATIONAL_ID", "ES_NIE": "NATIONAL_ID",
    "IT_FISCAL_CODE": "NATIONAL_ID", "IT_IDENTITY_CARD": "NATIONAL_ID", "PL_PESEL": "NATIONAL_ID",
    "US_ITIN": "NATIONAL_ID", "IN_AADHAAR": "NATIONAL_ID", "IN_PAN": "NATIONAL_ID", "SG_NRIC_FIN": "NATIONAL_ID",
    "AU_TFN": "NATIONAL_ID", "FI_PERSONAL_IDENTITY_CODE": "NATIONAL_ID",
}
# National-id recognizers Presidio registers for other languages, also asked to read English text.
FOREIGN_RECOGNIZERS = ("EsNifRecognizer", "EsNieRecognizer", "ItFiscalCodeRecognizer", "ItDriverLicenseRecognizer",
                       "ItPassportRecognizer", "ItIdentityCardRecognizer", "PlPeselRecognizer", "UkNinoRecognizer",
                       "FiPersonalIdentityCodeRecognizer")
VALUE_SCORES = (0.0, 0.3, 0.5)
SHARES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def offline_tldextract() -> None:
    """Presidio's email and URL recognizers call tldextract, which would fetch the suffix list."""
    import tldextract

    offline = tldextract.TLDExtract(suffix_list_urls=())
    tldextract.extract = offline
    tldextract.tldextract.TLD_EXTRACTOR = offline


def presidio_analyzer(model: str | None) -> tuple[object, str]:
    offline_tldextract()
    import spacy
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer import predefined_recognizers as predefined
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    if model:
        name, described = model, f"spaCy model {model}"
    else:
        name = tempfile.mkdtemp(prefix="spacy-blank-en-")
        spacy.blank("en").to_disk(name)
        described = 'spaCy blank("en"): tokenizer only, no NER model'
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": name}])
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    for class_name in FOREIGN_RECOGNIZERS:
        recognizer = getattr(predefined, class_name, None)
        if recognizer is not None:
            analyzer.registry.add_recognizer(recognizer(supported_language="en"))
    return BatchAnalyzerEngine(analyzer_engine=analyzer), described


def presidio_hits(batch: object, column: LabeledColumn) -> tuple[int, list[dict[str, float]]]:
    """Per non-null value: the best score of each mapped entity Presidio found in it."""
    texts = [v if isinstance(v, str) else str(v) for v in column.values if v is not None]
    context = normalize(column.name).split("_")
    found: list[dict[str, float]] = []
    for results in batch.analyze_iterator(texts, language="en", context=context):
        best: dict[str, float] = {}
        for result in results:
            entity = PRESIDIO_ENTITIES.get(result.entity_type)
            if entity is not None and result.score > best.get(entity, -1.0):
                best[entity] = result.score
        found.append(best)
    return len(texts), found


def presidio_decision(non_null: int, found: list[dict[str, float]], min_score: float, share: float) -> str | None:
    counts: Counter[str] = Counter()
    for best in found:
        counts.update(entity for entity, score in best.items() if score >= min_score)
    if not counts or non_null == 0:
        return None
    entity, hits = counts.most_common(1)[0]
    return entity if hits / non_null >= share else None


def f1(columns: Sequence[LabeledColumn], answers: Sequence[str | None]) -> tuple[float, float, float]:
    tp = sum(1 for c, a in zip(columns, answers, strict=True) if c.accepted and a in c.accepted)
    fp = sum(1 for c, a in zip(columns, answers, strict=True) if a is not None and a not in c.accepted)
    fn = sum(1 for c, a in zip(columns, answers, strict=True) if c.accepted and a not in c.accepted)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def timed(run: Callable[[], object]) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds of this process, and what ``run`` returned."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def spread(rates: list[float]) -> str:
    return f"best {max(rates):8.1f}  median {statistics.median(rates):8.1f}  worst {min(rates):8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", type=int, default=100, help="values per column (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes of each tool (default 3)")
    parser.add_argument("--locales", default=",".join(LOCALES), help="comma-separated Faker locales")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--spacy-model", default=None, help="an installed spaCy model for Presidio (default: blank)")
    parser.add_argument("--quick", action="store_true", help="two locales, two passes: a fast look while developing")
    args = parser.parse_args()
    locales = ("en_US", "de_DE") if args.quick else tuple(args.locales.split(","))
    repeat = 2 if args.quick else args.repeat

    columns = labeled_columns(seed=args.seed, rows=args.values, locales=locales)
    batch, engine = presidio_analyzer(args.spacy_model)
    positives = sum(1 for c in columns if c.accepted)
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"labeled set: {len(columns)} columns ({positives} with personal data) x {args.values} values, "
          f"locales {','.join(locales)}, seed {args.seed}")
    print(f"lily: {CLASSIFIER_VERSION}, defaults (sample 1000, threshold 0.5)")
    print(f"presidio: AnalyzerEngine via BatchAnalyzerEngine, NLP engine {engine}")

    # warm both up (imports, caches, spaCy) on a few columns, untimed
    for column in columns[:20]:
        classify_column(column.name, column.values)
        presidio_hits(batch, column)

    lily_rates: list[float] = []
    presidio_rates: list[float] = []
    lily_cpu: list[float] = []
    presidio_cpu: list[float] = []
    lily_answers: list[str | None] = []
    presidio_found: list[tuple[int, list[dict[str, float]]]] = []
    for attempt in range(repeat):
        seconds, cpu, results = timed(lambda: [classify_column(c.name, c.values) for c in columns])
        lily_rates.append(len(columns) / seconds)
        lily_cpu.append(len(columns) / cpu)
        seconds, cpu, found = timed(lambda: [presidio_hits(batch, c) for c in columns])
        presidio_rates.append(len(columns) / seconds)
        presidio_cpu.append(len(columns) / cpu)
        if attempt == 0:
            lily_answers = [r.entity for r in results]
            presidio_found = found
        print(f"  pass {attempt + 1}: lily {lily_rates[-1]:8.1f} columns/s ({lily_cpu[-1]:8.1f} per CPU second)   "
              f"presidio {presidio_rates[-1]:6.2f} columns/s ({presidio_cpu[-1]:6.2f} per CPU second)", flush=True)

    lily_p, lily_r, lily_f1 = f1(columns, lily_answers)
    grid = {(s, t): f1(columns, [presidio_decision(n, f, s, t) for n, f in presidio_found])
            for s in VALUE_SCORES for t in SHARES}
    (best_score, best_share), (pre_p, pre_r, pre_f1) = max(grid.items(), key=lambda item: item[1][2])
    values_per_second = args.values * max(lily_rates), args.values * max(presidio_rates)
    print()
    print(f"{'':10} {'columns/s':>60}   {'P':>6} {'R':>6} {'F1':>6}")
    print(f"{'lily':10} {spread(lily_rates):>60}   {lily_p:6.3f} {lily_r:6.3f} {lily_f1:6.3f}")
    print(f"{'presidio':10} {spread(presidio_rates):>60}   {pre_p:6.3f} {pre_r:6.3f} {pre_f1:6.3f}"
          f"   (value score >= {best_score}, share >= {best_share})")
    print(f"ms per column: lily {1000 / max(lily_rates):.2f}, presidio {1000 / max(presidio_rates):.1f}; "
          f"values/s: lily {values_per_second[0]:,.0f}, presidio {values_per_second[1]:,.0f}")
    print(f"columns per CPU second: lily {spread(lily_cpu)}; presidio {spread(presidio_cpu)}")
    print(f"throughput ratio lily/presidio: best {max(lily_rates) / max(presidio_rates):.1f}x, "
          f"median {statistics.median(lily_rates) / statistics.median(presidio_rates):.1f}x, "
          f"per CPU second {max(lily_cpu) / max(presidio_cpu):.1f}x (target >= 10x); "
          f"F1 {lily_f1:.3f} vs {pre_f1:.3f} (target: equal or better)")


if __name__ == "__main__":
    main()
