"""Operator specs validate strictly; per-tenant keys are created once, privately, and rotate."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from lily.anonymize import KeyRingError, OperatorSpec, load_keyring, rotate_encryption_key
from lily.anonymize.keys import keyring_path


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"kind": "shred"}, "kind"),
        ({"kind": "mask", "mask_char": "**"}, "mask_char"),
        ({"kind": "mask", "keep_last": -1}, "keep_last"),
        ({"kind": "mask", "keep_last": "4"}, "keep_last"),
        ({"kind": "hash", "salt": "x"}, "salt"),
    ],
)
def test_bad_specs_name_the_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        OperatorSpec.model_validate(raw)
    assert field in str(info.value)


def test_keyring_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        rings = list(pool.map(lambda _: load_keyring("acme", tmp_path), range(16)))
    assert len({(r.hmac_key, r.encryption_key) for r in rings}) == 1
    path = keyring_path("acme", tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["acme.json"]
    assert load_keyring("other", tmp_path).hmac_key != rings[0].hmac_key
    assert "key" not in repr(rings[0]).replace("key_version", "")


def test_rotation_adds_a_version_and_keeps_the_old_one(tmp_path: Path) -> None:
    first = load_keyring("acme", tmp_path)
    second = rotate_encryption_key("acme", tmp_path)
    assert second.key_version == 2 and second.retired_keys == {1: first.encryption_key}
    assert second.hmac_key == first.hmac_key
    assert load_keyring("acme", tmp_path).key_version == 2
    assert stat.S_IMODE(keyring_path("acme", tmp_path).stat().st_mode) == 0o600


@pytest.mark.parametrize("tenant", ["../etc", "", "a/b", ".hidden"])
def test_tenant_ids_that_cannot_name_a_file_are_refused(tenant: str, tmp_path: Path) -> None:
    with pytest.raises(KeyRingError):
        load_keyring(tenant, tmp_path)


def test_a_corrupt_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = keyring_path("acme", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(KeyRingError, match="unreadable"):
        load_keyring("acme", tmp_path)
