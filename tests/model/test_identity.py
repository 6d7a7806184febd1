"""Asset identities: shared refs are the refs pydantic validates, and ids do not depend on how a ref
was built."""

from __future__ import annotations

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lily.model import AssetRef, asset_id
from lily.model.identity import ref

names = st.text(min_size=0, max_size=20)


@given(names, names, names)
def test_shared_refs_equal_validated_refs(namespace: str, name: str, field: str) -> None:
    shared = ref(namespace, name, field)
    built = AssetRef(namespace=namespace, name=name, field=field)
    assert shared == built and hash(shared) == hash(built)
    assert ref(namespace, name, field) is shared  # validated once, then shared
    assert asset_id("t", shared) == asset_id("t", built)
    assert built.column(field) == shared and built.dataset() == AssetRef(namespace=namespace, name=name)


def test_shared_refs_are_immutable_and_still_validated() -> None:
    shared = ref("postgres://db:5432", "shop.public.users", "email")
    with pytest.raises(pydantic.ValidationError):
        shared.field = "name"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        ref("ns", 42)  # type: ignore[arg-type]
