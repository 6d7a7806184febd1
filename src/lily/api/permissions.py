"""The per-route permission table. A protected route missing from it is refused (fail closed)."""

from __future__ import annotations

from lily.auth.rbac import Permission as P

V1 = "/api/v1"

ROUTE_PERMISSIONS: dict[tuple[str, str], P] = {
    ("GET", f"{V1}/auth/me"): P.SELF,
    ("GET", f"{V1}/assets"): P.CATALOG_READ,
    ("POST", f"{V1}/assets"): P.CATALOG_WRITE,
    ("GET", f"{V1}/assets/{{asset_id}}"): P.CATALOG_READ,
    ("DELETE", f"{V1}/assets/{{asset_id}}"): P.CATALOG_WRITE,
    ("GET", f"{V1}/assets/{{asset_id}}/history"): P.CATALOG_READ,
    ("GET", f"{V1}/assets/{{asset_id}}/columns"): P.CATALOG_READ,
    ("PUT", f"{V1}/assets/{{asset_id}}/columns"): P.CATALOG_WRITE,
    ("GET", f"{V1}/assets/{{asset_id}}/classifications"): P.CATALOG_READ,
    ("POST", f"{V1}/assets/{{asset_id}}/classifications"): P.CLASSIFY,
    ("DELETE", f"{V1}/assets/{{asset_id}}/classifications/{{tag}}"): P.CLASSIFY,
    ("GET", f"{V1}/assets/{{asset_id}}/lineage"): P.CATALOG_READ,
    ("GET", f"{V1}/assets/{{asset_id}}/impact"): P.CATALOG_READ,
    ("POST", f"{V1}/edges"): P.LINEAGE_WRITE,
    ("GET", f"{V1}/edges/{{edge_id}}"): P.CATALOG_READ,
    ("DELETE", f"{V1}/edges/{{edge_id}}"): P.LINEAGE_WRITE,
    ("GET", f"{V1}/changes"): P.CHANGES_READ,
    ("GET", f"{V1}/audit"): P.AUDIT_READ,
    ("POST", f"{V1}/tokens"): P.TOKENS_MANAGE,
    ("GET", f"{V1}/tokens"): P.TOKENS_MANAGE,
    ("DELETE", f"{V1}/tokens/{{token_id}}"): P.TOKENS_MANAGE,
    ("POST", f"{V1}/users"): P.USERS_MANAGE,
    ("GET", f"{V1}/users"): P.USERS_MANAGE,
}
