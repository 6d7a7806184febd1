"""classify_column and classify_table: verdicts, decoys, names that mislead, types, the score's shape."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.classify import CLASSIFIER_VERSION, ENTITY_TAGS, ColumnResult, classify_column, classify_table
from lily.classify.recognizers.card import luhn_ok

EMAILS = [f"user{i}@example{i % 7}.com" for i in range(300)]
IPS = [f"10.{i % 3}.{(i * 7) % 256}.{(i * 13) % 254 + 1}" for i in range(200)]
VERSIONS = [f"{i % 4}.{i % 11}.{i % 3}.{i % 17}" for i in range(200)]


def test_public_interface() -> None:
    assert CLASSIFIER_VERSION.startswith("lily-classify/")
    for entity, tags in ENTITY_TAGS.items():
        assert tags[0].startswith("PII.") and "GDPR.personal" in tags, entity
    result = classify_column("contact", EMAILS)
    assert isinstance(result, ColumnResult)
    assert result.entity == "EMAIL" and result.tag == "PII.email" and result.tags == ENTITY_TAGS["EMAIL"]
    body = result.to_json()
    assert set(body) == {"name", "entity", "tag", "confidence", "evidence"}
    assert set(body["evidence"]) >= {"name_hint", "hit_rate", "sample_size", "non_null", "distinct_ratio", "recognizer"}


def test_emails_are_found_whatever_the_name() -> None:
    for name in ("email", "col_7", "email_sent", "misc"):
        assert classify_column(name, EMAILS).entity == "EMAIL", name


def test_a_name_that_says_what_else_a_column_is_counts_against_look_alike_values() -> None:
    rng = random.Random(4)
    lots = [f"{rng.randint(10, 99)}-{rng.randint(1000, 9999)}-{rng.randint(100, 999)}" for _ in range(200)]
    assert classify_column("col_3", lots).entity == "PHONE"   # values alone: a phone layout
    assert classify_column("lot_code", lots).entity is None
    plates = [f"{rng.randint(10000, 99999)} {rng.randint(100, 999)} {rng.randint(10, 99)}" for _ in range(200)]
    assert classify_column("license_plate", plates).entity is None  # not prose either: no word holds a letter
    cities = ["Lane", "Florence", "Austin", "Jackson", "Monteiro", "Chester", "Marion", "Lincoln"] * 25
    assert classify_column("col_3", cities).entity == "PERSON_NAME"
    assert classify_column("city", cities).entity is None
    assert classify_column("manager", cities).entity == "PERSON_NAME"
    assert classify_column("customer_city", cities).entity is None
    assert classify_column("team_lead", cities).entity == "PERSON_NAME"  # "team" is not the name's head


def test_bare_chinese_mobiles_are_phones_and_random_eleven_digit_ids_are_not() -> None:
    rng = random.Random(8)
    mobiles = [f"1{rng.choice('3578')}{rng.randint(0, 10**9 - 1):09d}" for _ in range(200)]
    assert classify_column("col_2", mobiles).entity == "PHONE"
    assert classify_column("col_2", [int(m) for m in mobiles]).entity == "PHONE"   # as a CSV reader types them
    ids = [str(rng.randint(10**10, 10**11 - 1)) for _ in range(200)]
    assert classify_column("col_2", ids).entity is None


def test_mailboxes_and_points_in_database_formats() -> None:
    rng = random.Random(5)
    senders = [f"User {i} <user{i}@example.org>" if i % 3 else f'"Doe, J{i}" <j{i}@example.org>' for i in range(100)]
    assert classify_column("sender", senders).entity == "EMAIL"
    points = [f"POINT({rng.uniform(-170, 170):.6f} {rng.uniform(-80, 80):.6f})" for _ in range(100)]
    assert classify_column("geom", points).entity == "GPS_COORDINATES"
    assert classify_column("shape", [f"POINT({i}.5 {i}.5)" for i in range(100)]).entity is None  # grid cells


def test_name_hint_never_fires_without_values() -> None:
    flags = [random.Random(i).random() < 0.5 for i in range(100)]
    assert classify_column("email_sent", flags).entity is None
    assert classify_column("email_sent", ["true" if f else "false" for f in flags]).entity is None
    assert classify_column("email", ["pending", "sent", "bounced"] * 30).entity is None
    assert classify_column("ssn", [f"order-{i}" for i in range(100)]).entity is None


def test_no_pii_means_no_entity_and_a_confident_none() -> None:
    result = classify_column("price", [round(random.Random(i).uniform(1, 100), 2) for i in range(200)])
    assert result.entity is None and result.tag is None and result.tags == ()
    assert result.confidence > 0.9
    assert result.evidence.recognizer == "none"


def test_ip_addresses_versus_version_strings() -> None:
    assert classify_column("value", IPS).entity == "IP_ADDRESS"
    assert classify_column("host", ["192.168.1.20", "10.0.12.7", "172.16.0.4", "10.0.0.5"] * 25).entity == "IP_ADDRESS"
    versions = classify_column("value", VERSIONS)
    assert versions.entity is None
    assert classify_column("ip", VERSIONS).entity is None  # a telling name cannot make versions addresses
    assert classify_column("ip_version", ["1.2.3.4"] * 50).entity is None


@pytest.mark.parametrize("name,values", [
    ("id", [f"{random.Random(i).getrandbits(128):032x}" for i in range(100)]),
    ("uuid", ["550e8400-e29b-41d4-a716-446655440000", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"] * 50),
    ("seq", list(range(1_000_000, 1_000_200))),
    ("isbn", ["978-3-16-148410-0", "0-306-40615-2", "978-0-596-52068-7"] * 30),
    ("sku", [f"SKU-{i:05d}-XL" for i in range(100)]),
    ("created_at", [f"2024-0{1 + i % 9}-1{i % 9} 12:3{i % 10}:00" for i in range(100)]),
    ("hostname", [f"web-{i:02d}.example.com" for i in range(100)]),
    ("order_no", [f"{2020 + i % 5}-{(i * 7919) % 10**6:06d}" for i in range(100)]),  # a year and a serial
    ("subnet", [f"{172 + i % 20}.{16 + i}.{100 + i}.0/{20 + i % 5}" for i in range(100)]),
])
def test_decoys(name: str, values: list[object]) -> None:
    assert classify_column(name, values).entity is None


def test_names_need_more_evidence_without_a_hint() -> None:
    people = ["John Smith", "Maria Garcia", "Hans Müller", "Sophie Martin", "Luca Rossi", "Emma de Vries"] * 20
    assert classify_column("col_3", people).entity == "PERSON_NAME"
    products = ["Ergonomic Steel Chair", "Rustic Wooden Table", "Sleek Cotton Shirt", "Small Granite Lamp"] * 30
    assert classify_column("name", products).entity is None
    assert classify_column("product_name", products).entity is None
    surnames = ["Zyxwq", "Plorbin", "Quastel", "Wendrik"] * 30  # not in any vocabulary
    assert classify_column("col_4", surnames).entity is None
    assert classify_column("last_name", surnames).entity == "PERSON_NAME"


def test_entities_that_need_their_name() -> None:
    births = [dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28) for i in range(100)]
    assert classify_column("date_of_birth", births).entity == "DATE_OF_BIRTH"
    assert classify_column("signup_date", births).entity is None
    latitudes = [round(random.Random(i).uniform(-80, 80), 6) for i in range(100)]
    assert classify_column("latitude", latitudes).entity == "GPS_COORDINATES"
    assert classify_column("reading", latitudes).entity is None
    passports = [f"{random.Random(i).randint(100_000_000, 999_999_999)}" for i in range(100)]
    assert classify_column("passport_number", passports).entity == "PASSPORT"
    assert classify_column("reference", passports).entity is None


def test_free_text_with_pii_is_found_with_its_spans() -> None:
    rng = random.Random(1)
    notes = [f"Customer called about the order, reach her at jane{i}@example.com tomorrow" if rng.random() < 0.2
             else "Customer called about the delivery window and will call back" for i in range(200)]
    result = classify_column("notes", notes)
    assert result.entity == "EMAIL"
    assert result.evidence.recognizer == "free_text"
    assert result.evidence.extra["spans"]["EMAIL"] > 0
    clean = classify_column("notes", ["Customer called about the delivery window and will call back"] * 100)
    assert clean.entity is None


def test_types_nulls_and_samples() -> None:
    with_nulls = [None if i % 3 else e for i, e in enumerate(EMAILS)]
    result = classify_column("x", pa.array(with_nulls))
    assert result.entity == "EMAIL"
    assert result.evidence.non_null == 100 and result.evidence.sample_size == 100
    assert classify_column("x", pa.chunked_array([EMAILS[:100], EMAILS[100:]])).entity == "EMAIL"
    assert classify_column("x", pa.array(EMAILS).dictionary_encode()).entity == "EMAIL"
    assert classify_column("x", pa.array([[e, e] for e in EMAILS])).entity == "EMAIL"
    assert classify_column("x", [None] * 10).entity is None
    assert classify_column("x", []).entity is None
    sampled = classify_column("x", EMAILS, sample=50)
    assert sampled.evidence.sample_size == 50 and sampled.evidence.non_null == 300
    cards = [4111111111111111 + 10 * i for i in range(100)]
    assert classify_column("n", [c for c in cards if str(c)[-1]]).entity in (None, "CREDIT_CARD")
    mixed = classify_column("x", ["a@b.com", 3, 4.5, None] * 10)
    assert mixed.evidence.extra["dtype"] == "string"
    assert classify_column("x", EMAILS, dtype="string").entity == "EMAIL"


def test_tiny_samples_are_not_certain() -> None:
    small = classify_column("x", ["jane@example.com", "joe@example.org"])
    large = classify_column("x", EMAILS)
    assert small.confidence < large.confidence


def test_threshold_is_the_verdict_line() -> None:
    half = EMAILS[:60] + [f"not an email {i}" for i in range(60)]
    loose, strict = classify_column("x", half, threshold=0.3), classify_column("x", half, threshold=0.99)
    assert loose.entity == "EMAIL" and strict.entity is None


def test_score_is_absolute_not_relative() -> None:
    # More matching values never lower the score; a half-email column is a near miss, reported.
    scores = [classify_column("x", EMAILS[:k] + [f"word{i}" for i in range(200 - k)], threshold=0.01).confidence
              for k in (60, 100, 140, 180, 200)]
    assert scores == sorted(scores) and scores[0] < 0.1 < 0.9 < scores[-2]
    near_miss = classify_column("x", EMAILS[:100] + [f"word{i}" for i in range(100)])
    assert near_miss.entity is None and 0.4 < near_miss.confidence < 0.6
    assert near_miss.evidence.extra["best_candidate"]["entity"] == "EMAIL"


def test_classify_table() -> None:
    table = pa.table({"email": EMAILS[:200], "ip": IPS, "version": VERSIONS})
    results = classify_table(table)
    assert [r.name for r in results] == ["email", "ip", "version"]
    assert [r.entity for r in results] == ["EMAIL", "IP_ADDRESS", None]


def _luhn(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(["col_1", "card_number", "ref"]))
def test_card_columns_versus_random_digits(seed: int, name: str) -> None:
    rng = random.Random(seed)
    prefixes = [rng.choice(("4", "51", "6011")) for _ in range(120)]
    cards = [_luhn(p + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(p)))) for p in prefixes]
    assert classify_column(name, cards).entity == "CREDIT_CARD"
    noise = ["".join(str(rng.randint(0, 9)) for _ in range(16)) for _ in range(120)]
    assert classify_column(name, noise).entity is None


_DIGIT_SCRIPTS = [0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10]  # Arabic-Indic, Persian, Devanagari, Bengali, Thai, fullwidth


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="0123456789 +-()", min_size=1, max_size=30), st.sampled_from(_DIGIT_SCRIPTS))
def test_digits_of_other_scripts_are_read_as_ascii_digits(text: str, zero: int) -> None:
    from lily.classify.digits import ascii_digits

    written = "".join(chr(zero + int(ch)) if ch.isdigit() else ch for ch in text)
    assert ascii_digits(pa.array([written, "plain", None])).to_pylist() == [text, "plain", None]


def test_phones_in_bengali_digits_and_georgian_names() -> None:
    rng = random.Random(5)
    bengali = [chr(0x09E6 + int(d)) for d in "0123456789"]
    phones = ["+" + "".join(bengali[int(d)] for d in "880") + "-" + "".join(rng.choice(bengali) for _ in range(4))
              + "-" + "".join(rng.choice(bengali) for _ in range(6)) for _ in range(100)]
    assert classify_column("telephone", phones).entity == "PHONE"
    # Georgian letters have had capitals in Unicode since 2018; names are written without them.
    names = ["ვიქტორ მელქაძე", "ემზარ ნარიმანიძე", "ლალი მარგველაშვილი", "ნუგზარ გოგიაშვილი", "თამთა ქობულაძე"] * 20
    assert classify_column("value_8", names).entity == "PERSON_NAME"


def test_every_decimal_digit_outside_ascii_is_read_and_nothing_else() -> None:
    import sys
    import unicodedata

    from lily.classify.digits import ascii_digits

    digits = [chr(cp) for cp in range(0x80, sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Nd"]
    assert ascii_digits(pa.array(digits)).to_pylist() == [str(unicodedata.decimal(d)) for d in digits]
    others = ["²", "½", "Ⅻ", "café", "0123456789", "一二三"]  # not decimal digits: kept as written
    assert ascii_digits(pa.array(others)).to_pylist() == others
