"""A page family's entry in the navigation bar."""

from __future__ import annotations

from dataclasses import dataclass

from lily.auth.rbac import Permission


@dataclass(frozen=True)
class Nav:
    label: str
    href: str
    permission: Permission = Permission.CATALOG_READ  # roles without it do not see the entry
    order: int = 50  # left to right
