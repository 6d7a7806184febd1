"""find_spans and scrub_text: spans validated, replaced in place inside Arrow columns."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lily.classify import Span, find_spans, scrub_text

NOTE = "Call Jane at +1 415-555-2671 or jane.doe@example.com; card 4111 1111 1111 1111, IBAN DE89370400440532013000."


def _found(text: str, entities: list[str] | None = None) -> list[tuple[str, str]]:
    return [(s.entity, text[s.start : s.end]) for s in find_spans(text, entities)]


def test_spans_in_order_and_validated() -> None:
    assert _found(NOTE) == [("PHONE", "+1 415-555-2671"), ("EMAIL", "jane.doe@example.com"),
                            ("CREDIT_CARD", "4111 1111 1111 1111"), ("IBAN", "DE89370400440532013000")]
    assert all(isinstance(s, Span) for s in find_spans(NOTE))


@pytest.mark.parametrize("text", [
    "card 4111 1111 1111 1112 declined",            # Luhn fails
    "firmware version 1.2.3.4 installed",            # a version, not an address
    "Mozilla/5.0 (X11; rv:1.9.2.20) Gecko/2024-01-05 07:59:09 Chrome/30.0.839.0",
    "order 1234567890 shipped on 2024-01-05 12:30",  # an id and a timestamp
    "ssn 000-12-3456 is not allocatable",
])
def test_lookalikes_are_not_spans(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(("text", "number"), [
    ("Call back on 02809885165 after 5pm.", "02809885165"),       # UK, bare, with its trunk 0
    ("Call back on +34946564823 after 5pm.", "+34946564823"),     # the country code is part of it
    ("reach him at +4420 7496 0786 today", "+4420 7496 0786"),
    ("or 0162251996, she said", "0162251996"),                   # France, bare
    ("US office 5272868387.", "5272868387"),                     # North America writes no trunk
    ("Hívjon: 06-46/869 5896 után", "06-46/869 5896"),            # Hungary: a slash between groups
    ("iroda (06)98/259-7919.", "(06)98/259-7919"),
])
def test_phone_numbers_as_written_in_notes(text: str, number: str) -> None:
    assert _found(text) == [("PHONE", number)]


@pytest.mark.parametrize("text", [
    "order 4829301746 was refunded",                   # a valid-looking US number named an id
    "invoice #0280988516 attached",
    "ticket 02809885165 reopened",
    "created at 1704067200 (epoch), updated 20240105103211",
    "logged 2024-01-05T10:32:11Z by the job",
    "upgraded to v2.10.3 and 10.4.1823, build 0280988516",
    "amount 1234567.89 EUR, total $ 5272868387",
    "paid 1,234,567.89 over 12 months",
])
def test_ids_timestamps_versions_and_amounts_are_not_phones(text: str) -> None:
    assert [entity for entity, _ in _found(text)] == []
    assert scrub_text(pa.array([text])).to_pylist() == [text]


def test_entity_selection_and_names_on_request() -> None:
    assert _found(NOTE, ["EMAIL"]) == [("EMAIL", "jane.doe@example.com")]
    assert _found("Please ask Maria Garcia about it", ["PERSON_NAME"]) == [("PERSON_NAME", "Maria Garcia")]
    assert _found("Please ask Maria Garcia about it") == []
    with pytest.raises(ValueError, match="no free-text recognizer"):
        find_spans("x", ["PASSPORT"])


def test_scrub_text_replaces_in_place_and_keeps_nulls_and_type() -> None:
    values = pa.array([NOTE, None, "nothing to see", "ip 10.0.0.7 and v 1.2.3.4"], type=pa.large_string())
    out = scrub_text(values)
    assert out.type == pa.large_string()
    assert out.to_pylist() == [
        "Call Jane at <PHONE> or <EMAIL>; card <CREDIT_CARD>, IBAN <IBAN>.", None, "nothing to see",
        "ip <IP_ADDRESS> and v 1.2.3.4"]


def test_scrub_text_placeholder_and_entities() -> None:
    out = scrub_text(pa.chunked_array([[NOTE], ["mail a\\b@example.com"]]), entities=["EMAIL"],
                     placeholder=lambda e: f"[{e.lower()}\\1]")
    assert out.to_pylist() == [NOTE.replace("jane.doe@example.com", "[email\\1]"), "mail a\\[email\\1]"]


def test_scrub_text_agrees_with_find_spans() -> None:
    texts = [NOTE, "write to bob@example.org or +44 20 7946 0958", "no pii", "wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"]
    scrubbed = scrub_text(pa.array(texts)).to_pylist()
    for text, clean in zip(texts, scrubbed, strict=True):
        assert find_spans(clean) == []
        assert (clean == text) == (find_spans(text) == [])


@pytest.mark.parametrize("zero", [0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50])  # Arabic-Indic, Persian, Devanagari, Bengali, Thai
def test_numbers_in_other_scripts_are_found_and_scrubbed_like_ascii_ones(zero: int) -> None:
    def script(text: str) -> str:
        return "".join(chr(zero + int(ch)) if ch.isdigit() else ch for ch in text)

    texts = ["call +44 20 7946 0958 or bob@example.org", "card 4111 1111 1111 1111 then", "order 12 of 40"]
    written = [script(t) for t in texts]
    assert [find_spans(w) for w in written] == [find_spans(t) for t in texts]
    scrubbed = scrub_text(pa.array([*written, "plain +44 20 7946 0958", None])).to_pylist()
    assert scrubbed == [script(t) for t in scrub_text(pa.array(texts)).to_pylist()] + \
        ["plain <PHONE>", None]
    assert scrubbed[0] == "call <PHONE> or <EMAIL>"
