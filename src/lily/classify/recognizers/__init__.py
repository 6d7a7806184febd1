"""Every column recognizer, one module per entity family; a new one is a module plus a line here.

Order breaks ties between equal scores: checksummed entities before shapes before names.
"""

from __future__ import annotations

from lily.classify.recognizer import Recognizer
from lily.classify.recognizers import (
    address,
    birth,
    card,
    crypto,
    documents,
    email,
    iban,
    location,
    national,
    network,
    person,
    phone,
    ssn,
)

RECOGNIZERS: tuple[Recognizer, ...] = (
    email.RECOGNIZER,
    crypto.RECOGNIZER,
    iban.RECOGNIZER,
    card.RECOGNIZER,
    ssn.RECOGNIZER,
    network.RECOGNIZER,
    *national.recognizers(),
    phone.RECOGNIZER,
    ssn.DIGITS,
    location.PAIR,
    location.POINT,
    location.AXIS,
    birth.RECOGNIZER,
    documents.PASSPORT,
    documents.DRIVER_LICENSE,
    person.RECOGNIZER,
    address.RECOGNIZER,
)
