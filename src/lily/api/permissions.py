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
    # detected classifications: suggestions a person confirms or rejects
    ("GET", f"{V1}/assets/{{asset_id}}/rejected-classifications"): P.CATALOG_READ,
    ("POST", f"{V1}/assets/{{asset_id}}/classifications/{{tag}}/confirm"): P.CLASSIFY,
    ("POST", f"{V1}/assets/{{asset_id}}/classifications/{{tag}}/reject"): P.CLASSIFY,
    ("GET", f"{V1}/assets/{{asset_id}}/quality"): P.CATALOG_READ,
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
    # inbound (accept routes publish events; the events API reads and replays them)
    ("POST", f"{V1}/lineage"): P.LINEAGE_WRITE,
    ("POST", f"{V1}/lineage/batch"): P.LINEAGE_WRITE,
    ("POST", f"{V1}/webhooks/s3"): P.CATALOG_WRITE,
    # Also reachable without a token: ?tenant= plus the tenant's x-mcd-signature (see routes/inbound.py).
    ("POST", f"{V1}/webhooks/monte-carlo"): P.CATALOG_WRITE,
    ("POST", f"{V1}/events"): P.CATALOG_WRITE,
    # Any registered source (bearer keys need catalog:write, which implies lineage:write; signed
    # sources are also reachable without a token, see routes/inbound.py).
    ("POST", f"{V1}/sources/{{name}}/events"): P.CATALOG_WRITE,
    ("GET", f"{V1}/events"): P.CHANGES_READ,
    ("GET", f"{V1}/events/{{event_id}}"): P.CHANGES_READ,
    ("POST", f"{V1}/events/{{event_id}}/replay"): P.CATALOG_WRITE,
    # webhook secrets are credentials: managed like API keys
    ("GET", f"{V1}/sources/monte-carlo/config"): P.TOKENS_MANAGE,
    ("PUT", f"{V1}/sources/monte-carlo/config"): P.TOKENS_MANAGE,
    ("GET", f"{V1}/sources/{{name}}/config"): P.TOKENS_MANAGE,
    ("PUT", f"{V1}/sources/{{name}}/config"): P.TOKENS_MANAGE,
    # incidents (written by the inbound path, read here)
    ("GET", f"{V1}/incidents"): P.CATALOG_READ,
    ("GET", f"{V1}/incidents/{{incident_id:uuid}}"): P.CATALOG_READ,
    # Marquez-compatible read API (names may contain "/": path parameters)
    ("GET", f"{V1}/namespaces"): P.CATALOG_READ,
    ("GET", f"{V1}/namespaces/{{namespace:path}}"): P.CATALOG_READ,
    ("GET", f"{V1}/namespaces/{{namespace:path}}/datasets"): P.CATALOG_READ,
    ("GET", f"{V1}/namespaces/{{namespace:path}}/datasets/{{dataset:path}}"): P.CATALOG_READ,
    ("GET", f"{V1}/namespaces/{{namespace:path}}/datasets/{{dataset:path}}/versions"): P.CATALOG_READ,
    ("GET", f"{V1}/namespaces/{{namespace:path}}/jobs"): P.CATALOG_READ,
    ("GET", f"{V1}/namespaces/{{namespace:path}}/jobs/{{job:path}}"): P.CATALOG_READ,
    ("GET", f"{V1}/namespaces/{{namespace:path}}/jobs/{{job:path}}/runs"): P.CATALOG_READ,
    ("GET", f"{V1}/jobs"): P.CATALOG_READ,
    ("GET", f"{V1}/jobs/runs/{{run_id:str}}"): P.CATALOG_READ,
    ("GET", f"{V1}/jobs/runs/{{run_id:str}}/facets"): P.CATALOG_READ,
    ("GET", f"{V1}/tags"): P.CATALOG_READ,
    ("GET", f"{V1}/lineage"): P.CATALOG_READ,
    ("GET", f"{V1}/column-lineage"): P.CATALOG_READ,
    ("GET", f"{V1}/search"): P.CATALOG_READ,
    ("GET", f"{V1}/events/lineage"): P.CATALOG_READ,
    # pipelines: data engineers (and admins) trigger runs; anyone who reads the catalog reads runs
    ("POST", f"{V1}/pipelines/{{name}}/runs"): P.PIPELINES_RUN,
    ("GET", f"{V1}/pipelines/{{name}}/runs"): P.CATALOG_READ,
    ("GET", f"{V1}/pipelines/{{name}}/runs/{{run_id}}"): P.CATALOG_READ,
    # governance: rules are read by engineers and changed by governance (admin)
    ("POST", f"{V1}/security/rules"): P.GOVERNANCE_MANAGE,
    ("GET", f"{V1}/security/rules"): P.GOVERNANCE_READ,
    ("GET", f"{V1}/security/rules/{{rule_id}}"): P.GOVERNANCE_READ,
    ("PUT", f"{V1}/security/rules/{{rule_id}}"): P.GOVERNANCE_MANAGE,
    ("DELETE", f"{V1}/security/rules/{{rule_id}}"): P.GOVERNANCE_MANAGE,
    ("POST", f"{V1}/classifications/preview"): P.CATALOG_READ,
    # governance: target connections and deliveries (read by engineers, changed by admin)
    ("POST", f"{V1}/targets"): P.GOVERNANCE_MANAGE,
    ("GET", f"{V1}/targets"): P.GOVERNANCE_READ,
    ("GET", f"{V1}/targets/{{target_id}}"): P.GOVERNANCE_READ,
    ("PUT", f"{V1}/targets/{{target_id}}"): P.GOVERNANCE_MANAGE,
    ("DELETE", f"{V1}/targets/{{target_id}}"): P.GOVERNANCE_MANAGE,
    ("GET", f"{V1}/deliveries"): P.GOVERNANCE_READ,
    ("GET", f"{V1}/deliveries/{{delivery_id}}"): P.GOVERNANCE_READ,
    ("POST", f"{V1}/deliveries/{{delivery_id}}/replay"): P.GOVERNANCE_MANAGE,
    # declared lineage processes own their edges; contracts; the compliance report
    ("GET", f"{V1}/lineage-processes"): P.CATALOG_READ,
    ("GET", f"{V1}/lineage-processes/{{name}}"): P.CATALOG_READ,
    ("PUT", f"{V1}/lineage-processes/{{name}}"): P.LINEAGE_WRITE,
    ("DELETE", f"{V1}/lineage-processes/{{name}}"): P.LINEAGE_WRITE,
    ("GET", f"{V1}/contracts"): P.CATALOG_READ,
    ("GET", f"{V1}/contracts/{{contract_id}}"): P.CATALOG_READ,
    ("PUT", f"{V1}/contracts/{{contract_id}}"): P.CATALOG_WRITE,
    ("GET", f"{V1}/compliance/report"): P.GOVERNANCE_READ,
    # the one way back from an `encrypt` token to its plaintext: admin only, audited
    ("POST", f"{V1}/anonymize/decrypt"): P.DECRYPT,
}
