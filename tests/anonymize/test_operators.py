"""Each operator against an independent oracle (Python's hmac, the cryptography round trip, str ops)."""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.anonymize import (
    DecryptionError,
    KeyRing,
    MissingKeysError,
    OperatorSpec,
    anonymization_tag,
    apply_operator,
    decrypt,
)

KEYS = KeyRing(hmac_key=b"k" * 32, encryption_key=b"e" * 32)
OTHER = KeyRing(hmac_key=b"x" * 32, encryption_key=b"y" * 32)
column = st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=60)
HASH = OperatorSpec(kind="hash")


def oracle_hmac(key: bytes, value: str | None) -> str | None:
    return None if value is None else hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@settings(max_examples=150, deadline=None)
@given(column, st.binary(min_size=1, max_size=100))
def test_hash_is_python_hmac_sha256_for_any_key_length(values: list[str | None], key: bytes) -> None:
    keys = KeyRing(hmac_key=key, encryption_key=b"e" * 32)
    out = apply_operator(pa.array(values, pa.string()), HASH, keys=keys)
    assert out.type == pa.string()
    assert out.to_pylist() == [oracle_hmac(key, v) for v in values]


def test_hash_keeps_row_order_over_many_chunks_and_threads() -> None:
    values = [f"user{i}@example.com" if i % 7 else None for i in range(300_000)]
    chunked = pa.chunked_array([pa.array(values[i : i + 70_000]) for i in range(0, len(values), 70_000)])
    out = apply_operator(chunked, HASH, keys=KEYS).to_pylist()
    sample = range(0, len(values), 997)
    assert [out[i] for i in sample] == [oracle_hmac(KEYS.hmac_key, values[i]) for i in sample]


def test_hash_is_deterministic_and_keyed() -> None:
    values = pa.array(["a@x.com", "b@x.com", "a@x.com"])
    first = apply_operator(values, HASH, keys=KEYS).to_pylist()
    assert first == apply_operator(values, HASH, keys=KEYS).to_pylist()
    assert first[0] == first[2] != first[1]
    assert apply_operator(values, HASH, keys=OTHER).to_pylist()[0] != first[0]


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), max_size=30))
def test_non_text_values_hash_their_text_form(values: list[int | None]) -> None:
    out = apply_operator(pa.array(values, pa.int64()), HASH, keys=KEYS)
    assert out.to_pylist() == [oracle_hmac(KEYS.hmac_key, None if v is None else str(v)) for v in values]


@settings(deadline=None)
@given(column, st.integers(0, 8), st.characters(codec="utf-8", exclude_categories=["Cs"]))
def test_mask_keeps_the_last_n_characters_and_the_length(values: list[str | None], keep: int, char: str) -> None:
    spec = OperatorSpec(kind="mask", keep_last=keep, mask_char=char)

    def oracle(v: str | None) -> str | None:
        if v is None:
            return None
        kept = keep if len(v) > keep else 0
        return char * (len(v) - kept) + (v[len(v) - kept :] if kept else "")

    assert apply_operator(pa.array(values, pa.string()), spec).to_pylist() == [oracle(v) for v in values]


def test_card_masked_to_last_four() -> None:
    out = apply_operator(pa.array(["4111111111111234", "1234", None]), OperatorSpec(kind="mask"))
    assert out.to_pylist() == ["************1234", "****", None]


@settings(deadline=None)
@given(column, st.one_of(st.none(), st.sampled_from(["EMAIL", "person_name"])))
def test_replace_uses_one_placeholder_per_entity(values: list[str | None], entity: str | None) -> None:
    out = apply_operator(pa.array(values, pa.string()), OperatorSpec(kind="replace"), entity=entity)
    expected = f"<{entity.upper()}>" if entity else "<REDACTED>"
    assert out.to_pylist() == [None if v is None else expected for v in values]
    custom = apply_operator(pa.array(values, pa.string()), OperatorSpec(kind="replace", placeholder="[x]"))
    assert custom.to_pylist() == [None if v is None else "[x]" for v in values]


def test_redact_nulls_everything_and_keeps_the_type() -> None:
    out = apply_operator(pa.array([1, None, 3], pa.int32()), OperatorSpec(kind="redact"))
    assert out.type == pa.int32() and out.to_pylist() == [None, None, None]


@settings(max_examples=80, deadline=None)
@given(column, st.booleans())
def test_encrypt_round_trips_through_decrypt(values: list[str | None], deterministic: bool) -> None:
    spec = OperatorSpec(kind="encrypt", deterministic=deterministic)
    tokens = apply_operator(pa.array(values, pa.string()), spec, keys=KEYS)
    alg = "siv" if deterministic else "gcm"
    assert all(t is None or t.startswith(f"k1:{alg}:") for t in tokens.to_pylist())
    assert decrypt(tokens, KEYS).to_pylist() == values


def test_deterministic_encryption_is_joinable_and_random_is_not() -> None:
    values = pa.array(["alice", "bob", "alice"])
    det = apply_operator(values, OperatorSpec(kind="encrypt", deterministic=True), keys=KEYS).to_pylist()
    assert det[0] == det[2] != det[1]
    assert det == apply_operator(values, OperatorSpec(kind="encrypt", deterministic=True), keys=KEYS).to_pylist()
    rnd = apply_operator(values, OperatorSpec(kind="encrypt"), keys=KEYS).to_pylist()
    assert rnd[0] != rnd[2]


def test_decrypt_after_rotation_uses_the_version_in_each_token() -> None:
    old = apply_operator(pa.array(["old"]), OperatorSpec(kind="encrypt"), keys=KEYS)
    rotated = KeyRing(hmac_key=KEYS.hmac_key, encryption_key=b"n" * 32, key_version=2,
                      retired_keys={1: KEYS.encryption_key})
    new = apply_operator(pa.array(["new"]), OperatorSpec(kind="encrypt"), keys=rotated)
    assert new.to_pylist()[0].startswith("k2:gcm:")
    both = pa.chunked_array([old, new])
    assert decrypt(both, rotated).to_pylist() == ["old", "new"]


@pytest.mark.parametrize("token", ["k1:gcm:AAAA", "plain text", "k9:siv:AAAAAAAAAAAAAAAAAAAAAA==", "k1:rot13:AA=="])
def test_decrypt_refuses_tokens_it_cannot_open(token: str) -> None:
    with pytest.raises(DecryptionError):
        decrypt(pa.array([token]), KEYS)


def test_decrypt_with_the_wrong_key_fails_authentication() -> None:
    tokens = apply_operator(pa.array(["secret"]), OperatorSpec(kind="encrypt", deterministic=True), keys=KEYS)
    with pytest.raises(DecryptionError, match="authentication"):
        decrypt(tokens, OTHER)


def test_dictionary_columns_are_anonymized_per_distinct_value() -> None:
    values = pa.array(["a", None, "b", "a"]).dictionary_encode()
    assert apply_operator(values, HASH, keys=KEYS).to_pylist() == [
        oracle_hmac(KEYS.hmac_key, v) for v in ["a", None, "b", "a"]
    ]
    rnd = apply_operator(values, OperatorSpec(kind="encrypt"), keys=KEYS)
    assert decrypt(rnd, KEYS).to_pylist() == ["a", None, "b", "a"]
    assert rnd[0] != rnd[3]


def test_empty_and_chunkless_inputs() -> None:
    for spec in (HASH, OperatorSpec(kind="mask"), OperatorSpec(kind="encrypt")):
        assert apply_operator(pa.chunked_array([], pa.string()), spec, keys=KEYS).to_pylist() == []


def test_hash_and_encrypt_need_keys() -> None:
    with pytest.raises(MissingKeysError):
        apply_operator(pa.array(["a"]), HASH)


def test_tags_say_how_a_column_was_anonymized() -> None:
    assert anonymization_tag(HASH) == "anonymized.hash"
    assert anonymization_tag(OperatorSpec(kind="mask", keep_last=2)) == "anonymized.mask"


def test_encryption_works_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    from lily.anonymize import crypto

    monkeypatch.setattr(crypto, "_BATCH", 7)
    values = [None if i % 5 == 0 else f"v{i % 13}" for i in range(50)]
    for deterministic in (False, True):
        spec = OperatorSpec(kind="encrypt", deterministic=deterministic)
        tokens = apply_operator(pa.array(values), spec, keys=KEYS)
        assert decrypt(tokens, KEYS).to_pylist() == values


def test_deterministic_tokens_do_not_depend_on_how_often_values_repeat() -> None:
    spec = OperatorSpec(kind="encrypt", deterministic=True)
    repetitive = apply_operator(pa.array(["a", "b", None] * 40), spec, keys=KEYS).to_pylist()  # distinct values once
    distinct = apply_operator(pa.array(["a", "b", *map(str, range(100))]), spec, keys=KEYS).to_pylist()  # every row
    assert repetitive[:3] == [distinct[0], distinct[1], None]
    assert len(set(repetitive) - {None}) == 2
