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
