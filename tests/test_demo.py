"""`lily demo` (and `make run`): the Delta Arc catalog and one data contract, through the normal
apply and contract-import paths, idempotent."""

from __future__ import annotations

from lily import demo
from lily.bootstrap import ensure_tenant
from lily.contracts.lint import errors, lint_document
from lily.contracts.service import evaluate_contract
from lily.store import Store, catalog
from lily.store import contracts as repo


def test_the_demo_registers_a_contract_that_passes_on_the_demo_catalog(sqlite_url: str) -> None:
    store = Store.from_url(sqlite_url)
    ensure_tenant(store, "default")
    assert demo.load(store, "default") > 0
    assert demo.load(store, "default") == 0  # loading it again changes nothing
    assert errors(lint_document(demo.demo_contract())) == []
    with store.read() as conn:
        listed = repo.list_contracts(conn, "default")
    assert [c["contract_id"] for c in listed] == ["users-export"]

    evaluation = evaluate_contract(store, "default", "users-export", read_data=False)
    assert evaluation is not None
    assert evaluation.status == "passing", evaluation.as_dict()
    with store.read() as conn:
        users = catalog.get_by_ref(conn, "default", demo.s3("users"))
    assert users is not None and users.attributes["contract"]["status"] == "passing"
