"""Roles and the permissions they grant. Routes declare the permission they need."""

from __future__ import annotations

from enum import StrEnum

from lily.model import Role


class Permission(StrEnum):
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    LINEAGE_WRITE = "lineage:write"
    CLASSIFY = "classification:write"
    CHANGES_READ = "changes:read"
    AUDIT_READ = "audit:read"
    TOKENS_MANAGE = "tokens:manage"
    USERS_MANAGE = "users:manage"
    PIPELINES_RUN = "pipelines:run"  # trigger pipeline runs and backfills (reading runs is catalog:read)
    # Security rules, target connections, deliveries: read by engineers, changed by governance (admin).
    GOVERNANCE_READ = "governance:read"
    GOVERNANCE_MANAGE = "governance:manage"
    DECRYPT = "anonymize:decrypt"  # plaintexts of `encrypt` tokens: admin only (every permission), audited
    SELF = "self"  # any authenticated principal (whoami)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    # Builds and runs pipelines: owns the catalog, its lineage and the tags on it.
    Role.DATA_ENGINEER: frozenset({Permission.SELF, Permission.CATALOG_READ, Permission.CATALOG_WRITE,
                                   Permission.LINEAGE_WRITE, Permission.CLASSIFY, Permission.CHANGES_READ,
                                   Permission.GOVERNANCE_READ, Permission.PIPELINES_RUN}),
    # Registers features/models and their lineage; reads the feed to react to changes.
    Role.ML_ENGINEER: frozenset({Permission.SELF, Permission.CATALOG_READ, Permission.LINEAGE_WRITE,
                                 Permission.CHANGES_READ}),
    Role.DATA_ANALYST: frozenset({Permission.SELF, Permission.CATALOG_READ}),
    Role.VIEWER: frozenset({Permission.SELF, Permission.CATALOG_READ}),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
