"""XML error logs: safe parsing with ``defusedxml`` (no entity expansion, no external entities).

Shape: a root element whose children are records; a record's attributes and its child elements'
text are its fields, e.g.::

    <errors service="checkout">
      <error timestamp="2024-05-01T10:00:00Z" level="ERROR" host="web-1"><message>boom</message></error>
    </errors>

Attributes on the root are defaults for every record (producers put ``service``/``host`` there).
"""

from __future__ import annotations

from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

# DTDs are allowed (some producers emit a DOCTYPE) but entity declarations and external
# references are not: that is what stops billion-laughs and XXE before any expansion happens.
_SAFE = {"forbid_dtd": False, "forbid_entities": True, "forbid_external": True}


class UnsafeXml(ValueError):
    """The document declares entities or external references (e.g. an XML bomb)."""


class InvalidXml(ValueError):
    """The document is not well-formed XML."""


def _fields(element: Element, defaults: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = dict(defaults)
    record.update(element.attrib)
    for child in element:
        record[child.tag] = (child.text or "").strip()
    return record


def first_record(stream: IO[bytes]) -> dict[str, Any] | None:
    """The first record of a document, reading only as far as its closing tag."""
    depth = 0
    defaults: dict[str, str] = {}
    try:
        for event, element in iterparse(stream, events=("start", "end"), **_SAFE):
            if event == "start":
                if depth == 0:
                    defaults = dict(element.attrib)
                depth += 1
                continue
            depth -= 1
            if depth == 1:
                return _fields(element, defaults)
    except DefusedXmlException as exc:
        raise UnsafeXml(f"{type(exc).__name__}: {exc}") from exc
    except ParseError as exc:
        raise InvalidXml(str(exc)) from exc
    return None


def parse_records(data: bytes) -> list[dict[str, Any]]:
    """All records of a document. Raises ``UnsafeXml`` / ``InvalidXml`` for the whole file."""
    try:
        root = fromstring(data, **_SAFE)
    except DefusedXmlException as exc:
        raise UnsafeXml(f"{type(exc).__name__}: {exc}") from exc
    except ParseError as exc:
        raise InvalidXml(str(exc)) from exc
    defaults = dict(root.attrib)
    return [_fields(child, defaults) for child in root]

