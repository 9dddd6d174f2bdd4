"""SOAP/EWS XML vocabulary: namespaces, element builders, envelopes and faults.

Everything that knows how an EWS envelope *looks* lives here, so the operation handlers only
deal with the body element they produce.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeAlias

from lxml import etree

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
M_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
T_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
E_NS = "http://schemas.microsoft.com/exchange/services/2006/errors"
NSMAP = {"s": SOAP_NS, "m": M_NS, "t": T_NS}

# Exchange 2016 CU-era build; the Version string is the one modern on-prem servers report.
SERVER_VERSION = {
    "MajorVersion": "15",
    "MinorVersion": "1",
    "MajorBuildNumber": "2507",
    "MinorBuildNumber": "6",
    "Version": "V2017_07_11",
}

Element: TypeAlias = etree._Element


def m(tag: str) -> str:
    return f"{{{M_NS}}}{tag}"


def t(tag: str) -> str:
    return f"{{{T_NS}}}{tag}"


def local(elem: Element) -> str:
    return str(etree.QName(elem).localname)


def sub(parent: Element, tag: str, text: str | None = None, **attrs: str | None) -> Element:
    """Append a child (tag given in Clark notation) and return it."""
    child = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        child.text = text
    return child


def new(tag: str, text: str | None = None, **attrs: str | None) -> Element:
    elem = etree.Element(tag, {k: v for k, v in attrs.items() if v is not None}, nsmap=NSMAP)
    if text is not None:
        elem.text = text
    return elem


def xbool(value: bool) -> str:
    # Exchange answers lower-case words; exchangelib parses only "true"/"false".
    return "true" if value else "false"


def parse_bool(text: str | None) -> bool:
    return (text or "").strip().lower() in ("true", "1")


def xdt(value: dt.datetime) -> str:
    """Exchange's wire format: UTC, whole seconds, trailing Z."""
    if value.tzinfo is None:
        raise ValueError("naive datetime reached the wire")
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_dt(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        # EWS treats an unqualified xs:dateTime as UTC when no time zone context applies.
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def text_of(elem: Element | None, path: str, default: str | None = None) -> str | None:
    if elem is None:
        return default
    found = elem.find(path, NSMAP)
    if found is None or found.text is None:
        return default
    return str(found.text)


def envelope(body_elements: Iterable[Element]) -> Element:
    env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap=NSMAP)
    header = sub(env, f"{{{SOAP_NS}}}Header")
    info = etree.SubElement(header, t("ServerVersionInfo"), nsmap={"h": T_NS})
    for key, value in SERVER_VERSION.items():
        info.set(key, value)
    body = sub(env, f"{{{SOAP_NS}}}Body")
    for elem in body_elements:
        body.append(elem)
    return env


def serialize(env: Element) -> bytes:
    return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))


def fault(
    code: str, message: str, *, values: dict[str, str] | None = None, violation: str | None = None
) -> Element:
    """A SOAP fault shaped like Exchange's (used for ErrorServerBusy and ErrorSchemaValidation).

    exchangelib reads detail/e:ResponseCode, e:Message and t:MessageXml (note: types namespace).
    """
    flt = etree.Element(f"{{{SOAP_NS}}}Fault", nsmap={"s": SOAP_NS})
    # Exchange qualifies the fault code with a prefix declared on the faultcode element itself.
    code_el = etree.SubElement(flt, "faultcode", nsmap={"a": T_NS})
    code_el.text = f"a:{code}"
    sub(flt, "faultstring", message)
    detail = sub(flt, "detail")
    rc = etree.SubElement(detail, f"{{{E_NS}}}ResponseCode", nsmap={"e": E_NS})
    rc.text = code
    sub(detail, f"{{{E_NS}}}Message", message)
    if values or violation:
        mxml = etree.SubElement(detail, t("MessageXml"), nsmap={"t": T_NS})
        for name, value in (values or {}).items():
            sub(mxml, t("Value"), value, Name=name)
        if violation:
            sub(mxml, t("LineNumber"), "0")
            sub(mxml, t("LinePosition"), "0")
            sub(mxml, t("Violation"), violation)
    return flt


_ITEM_INFO_OPS = {"CreateItem", "GetItem", "MoveItem", "CopyItem", "UpdateItem"}


def response_message(
    parent: Element, op: str, code: str = "NoError", text: str | None = None
) -> Element:
    """Append an <m:{op}ResponseMessage> with ResponseClass derived from the code."""
    cls = "Success" if code == "NoError" else "Error"
    msg = sub(parent, m(f"{op}ResponseMessage"), ResponseClass=cls)
    if text is not None or cls == "Error":
        sub(msg, m("MessageText"), text or code)
    sub(msg, m("ResponseCode"), code)
    if cls == "Error":
        sub(msg, m("DescriptiveLinkKey"), "0")
        if op in _ITEM_INFO_OPS:
            # The schema requires m:Items even on errors; Exchange sends it empty.
            sub(msg, m("Items"))
    return msg


def response_root(op: str) -> tuple[Element, Element]:
    """<m:{op}Response><m:ResponseMessages/> — the wrapper every ordinary operation uses."""
    root = new(m(f"{op}Response"))
    return root, sub(root, m("ResponseMessages"))


class SchemaViolationError(Exception):
    """The request breaks the EWS schema; answered with an ErrorSchemaValidation fault."""
