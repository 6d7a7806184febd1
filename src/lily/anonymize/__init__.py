"""Anonymization operators for columns (replace, redact, mask, hash, encrypt), vectorized over Arrow.

``apply_operator`` is what pipelines call per column; ``decrypt`` is the admin-only inverse of
``encrypt`` (the audited CLI/API around it lives with the pipelines).
"""

from lily.anonymize.crypto import DecryptionError, decrypt
from lily.anonymize.hmac_sql import hmac_params, hmac_sql
from lily.anonymize.keys import KeyRing, KeyRingError, load_keyring, rotate_encryption_key
from lily.anonymize.operators import MissingKeysError, apply_operator
from lily.anonymize.spec import OperatorKind, OperatorSpec, anonymization_tag, placeholder_for

__all__ = [
    "DecryptionError",
    "KeyRing",
    "KeyRingError",
    "MissingKeysError",
    "OperatorKind",
    "OperatorSpec",
    "anonymization_tag",
    "apply_operator",
    "decrypt",
    "hmac_params",
    "hmac_sql",
    "load_keyring",
    "placeholder_for",
    "rotate_encryption_key",
]
