"""Exceptions a page raises; :mod:`lily.web.app` turns them into a redirect or an HTML error page
(never the API's problem+json, never a stack trace)."""

from __future__ import annotations


class LoginRequired(Exception):
    """No valid session: browsers are sent to the login page."""


class PageError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
