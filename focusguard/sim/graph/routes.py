"""The Graph v1.0 endpoints the FocusGuard backend uses, as pure request -> response handlers.

Shared by top-level HTTP requests and `$batch` sub-requests. Only what the product calls is
implemented; anything else is a 400/404 with Graph's error shape, never a silent success.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ..common.html_text import html_to_text
from . import drafts
from .mailbox import Mailbox
from .model import GraphError, Message, parse_iso

if TYPE_CHECKING:
    from .simulator import GraphSimulator

DEFAULT_SELECT = (
    "id",
    "parentFolderId",
    "internetMessageId",
    "subject",
    "from",
    "sender",
    "toRecipients",
    "receivedDateTime",
    "sentDateTime",
    "conversationId",
    "body",
    "bodyPreview",
    "importance",
    "isRead",
    "isDraft",
    "webLink",
)


# Properties a message may lack altogether (then they are left out even when selected).
OPTIONAL_PROPERTIES = frozenset({"internetMessageHeaders"})


@dataclass
class Request:
    method: str
    path: str  # below /v1.0, e.g. "/me/mailFolders/inbox"
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any = None

    @property
    def immutable(self) -> bool:
        return 'idtype="immutableid"' in self.headers.get("prefer", "").replace(" ", "").lower()

    @property
    def text_body(self) -> bool:
        prefer = self.headers.get("prefer", "").replace(" ", "").lower()
        return 'outlook.body-content-type="text"' in prefer

    def max_page(self, default: int) -> int:
        match = re.search(r"odata\.maxpagesize=(\d+)", self.headers.get("prefer", ""))
        return min(default, int(match.group(1))) if match else default


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["GraphSimulator", Request, re.Match[str]], Response]
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = []


def route(method: str, pattern: str, operation: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}$", re.IGNORECASE), operation, fn))
        return fn

    return register


def find(method: str, path: str) -> tuple[str, Handler, re.Match[str]] | None:
    for m, pattern, op, fn in ROUTES:
        match = pattern.match(path)
        if match and m == method:
            return op, fn, match
    return None


def operation_of(method: str, path: str) -> str:
    found = find(method, path)
    return found[0] if found else "unknown"


def dispatch(sim: GraphSimulator, req: Request) -> Response:
    found = find(req.method, req.path)
    if found is None:
        if any(p.match(req.path) for _, p, _, _ in ROUTES):
            raise GraphError(
                405, "Request_BadRequest", f"The {req.method} method is not allowed here."
            )
        raise GraphError(400, "Request_BadRequest", f"Invalid request: {req.path}")
    _, handler, match = found
    return handler(sim, req, match)


SEG = r"([^/]+)"


# ---- helpers -----------------------------------------------------------------------------
def _select(req: Request) -> tuple[str, ...]:
    raw = req.query.get("$select")
    if not raw:
        return DEFAULT_SELECT
    return ("id", *[s.strip() for s in raw.split(",") if s.strip() and s.strip() != "id"])


def _shape(
    sim: GraphSimulator, msg: Message, req: Request, select: tuple[str, ...] | None = None
) -> dict[str, Any]:
    full = msg.to_json(req.immutable, sim.web_base, sim.mailbox.in_sent_items(msg))
    fields = select or _select(req)
    unknown = [f for f in fields if f not in full and f not in OPTIONAL_PROPERTIES]
    if unknown:
        raise GraphError(
            400,
            "RequestBroker--ParseUri",
            f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.message'.",
        )
    if req.text_body and msg.body_type.lower() == "html":
        # "Prefer: outlook.body-content-type" asks for the body (and uniqueBody) as text;
        # Outlook converts HTML to text
        # (https://learn.microsoft.com/en-us/graph/api/message-get#request-headers).
        full["body"] = {"contentType": "text", "content": html_to_text(msg.body)}
    return {"@odata.etag": f'W/"{msg.created_seq}"', **{f: full[f] for f in fields if f in full}}


def _json_body(req: Request) -> dict[str, Any]:
    if req.body is None:
        return {}
    if not isinstance(req.body, dict):
        raise GraphError(400, "RequestBodyRead", "The request body must be a JSON object.")
    return req.body


def _page(sim: GraphSimulator, path: str, query: dict[str, str]) -> str:
    return f"{sim.url}{path}?{urlencode(query, quote_via=quote, safe='$')}"


def _int(query: dict[str, str], name: str, default: int, limit: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise GraphError(400, "ErrorInvalidParameter", f"{name} must be a number.")
    return min(int(raw), limit)


# ---- folders -----------------------------------------------------------------------------
@route("GET", rf"/me/mailFolders/{SEG}", "mailFolders")
def get_folder(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    return Response(200, sim.mailbox.folder_json(sim.mailbox.folder(m.group(1))))


@route("GET", r"/me/mailFolders", "mailFolders")
def list_top_folders(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    root = sim.mailbox.folder("msgfolderroot")
    return _folders(sim, req, root.id)


@route("GET", rf"/me/mailFolders/{SEG}/childFolders", "mailFolders")
def list_children(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    return _folders(sim, req, sim.mailbox.folder(m.group(1)).id)


_NAME_FILTER = re.compile(r"^displayName eq '((?:[^']|'')*)'$")


def _folders(sim: GraphSimulator, req: Request, parent_id: str) -> Response:
    folders = sim.mailbox.children(parent_id)
    flt = req.query.get("$filter")
    if flt:
        match = _NAME_FILTER.match(flt.strip())
        if match is None:
            raise GraphError(
                400,
                "ErrorInvalidUrlQueryFilter",
                "The simulator supports only displayName eq '...' here.",
            )
        wanted = match.group(1).replace("''", "'").lower()
        folders = [f for f in folders if f.display_name.lower() == wanted]
    return Response(200, {"value": [sim.mailbox.folder_json(f) for f in folders]})


@route("POST", rf"/me/mailFolders/{SEG}/childFolders", "mailFolders")
def create_child(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    name = _json_body(req).get("displayName")
    if not isinstance(name, str):
        raise GraphError(400, "ErrorInvalidRequest", "displayName is required.")
    folder = sim.mailbox.create_folder(m.group(1), name)
    return Response(201, sim.mailbox.folder_json(folder))


# ---- messages ----------------------------------------------------------------------------
# $filter on message times: one or more comparisons of receivedDateTime / sentDateTime with
# an instant, joined by "and"; or a message by its Message-ID. List messages supports $filter
# on message properties (https://learn.microsoft.com/en-us/graph/api/mailfolder-list-messages,
# https://learn.microsoft.com/en-us/graph/filter-query-parameter).
_TIME_CLAUSE = re.compile(r"^(receivedDateTime|sentDateTime) (ge|gt|le|lt) (\S+)$")
_MESSAGE_ID_FILTER = re.compile(r"^internetMessageId eq '((?:[^']|'')*)'$")
_ORDER = re.compile(r"^(receivedDateTime|sentDateTime)(?: (asc|desc))?$")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}


def _time_of(msg: Message, prop: str) -> Any:
    return msg.received if prop == "receivedDateTime" else (msg.sent or msg.received)


def _message_filter(flt: str) -> tuple[list[str], Callable[[Message], bool]]:
    """(properties in the order the filter names them, predicate)."""
    flt = flt.strip()
    if not flt:
        return [], lambda _m: True
    by_id = _MESSAGE_ID_FILTER.match(flt)
    if by_id is not None:
        wanted = by_id.group(1).replace("''", "'")  # OData doubles single quotes
        return ["internetMessageId"], lambda msg: msg.internet_message_id == wanted
    clauses = []
    for part in re.split(r"\s+and\s+", flt):
        match = _TIME_CLAUSE.match(part.strip())
        if match is None:
            raise GraphError(
                400,
                "ErrorInvalidUrlQueryFilter",
                "The simulator supports only receivedDateTime|sentDateTime ge|gt|le|lt "
                "<instant> (joined by and) and internetMessageId eq '<id>'.",
            )
        clauses.append((match.group(1), _COMPARE[match.group(2)], parse_iso(match.group(3))))
    props = list(dict.fromkeys(c[0] for c in clauses))
    return props, lambda msg: all(op(_time_of(msg, prop), t) for prop, op, t in clauses)


def _message_order(raw: str | None, filtered: list[str]) -> tuple[str, bool] | None:
    """$orderby: (property, descending). With $filter, "properties that appear in $orderby
    must also appear in $filter", in the same order and before any other, or Exchange
    answers InefficientFilter ("Using filter and orderby in the same query",
    https://learn.microsoft.com/en-us/graph/api/user-list-messages)."""
    if not raw:
        return None
    match = _ORDER.match(raw.strip())
    if match is None:
        raise GraphError(
            400,
            "ErrorInvalidUrlQuery",
            "The simulator supports $orderby on receivedDateTime or sentDateTime only.",
        )
    prop = match.group(1)
    if filtered and filtered[0] != prop:
        raise GraphError(
            400,
            "InefficientFilter",
            "The restriction or sort order is too complex for this operation.",
        )
    return prop, match.group(2) == "desc"


@route("GET", rf"/me/mailFolders/{SEG}/messages", "messages")
def list_messages(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    filtered, keep = _message_filter(req.query.get("$filter") or "")
    order = _message_order(req.query.get("$orderby"), filtered)
    items = [i for i in sim.mailbox.list_messages(m.group(1), None) if keep(i)]
    if order is not None:
        prop, descending = order
        items.sort(key=lambda i: (_time_of(i, prop), i.created_seq), reverse=descending)
    top = _int(req.query, "$top", sim.page_size, 1000)
    skip = _int(req.query, "$skip", 0, 10**9)
    page = items[skip : skip + top]
    body: dict[str, Any] = {"value": [_shape(sim, i, req) for i in page]}
    if skip + top < len(items):
        query = dict(req.query)
        query["$skip"] = str(skip + top)
        body["@odata.nextLink"] = _page(sim, req.path, query)
    return Response(200, body)


def _token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def _untoken(text: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(text.encode()))
        if not isinstance(state, dict):
            raise ValueError
        return state
    except ValueError:
        raise GraphError(400, "syncStateInvalid", "The sync state is malformed.") from None


@route("GET", rf"/me/mailFolders/{SEG}/messages/delta", "delta")
def delta(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    """Delta query (https://learn.microsoft.com/en-us/graph/delta-query-messages): the first
    round lists every message in the folder, page by page (`@odata.nextLink`), and ends with a
    `@odata.deltaLink`; following that link returns what changed since. Moved-out and deleted
    messages come as `{"id", "@removed": {"reason": "deleted"}}`."""
    mailbox = sim.mailbox
    folder = mailbox.folder(m.group(1))
    token = req.query.get("$deltatoken") or req.query.get("$skiptoken")
    if token:
        state = _untoken(token)
        if state.get("f") != folder.id:
            raise GraphError(400, "syncStateInvalid", "The sync state is for another folder.")
        if state.get("e") != mailbox.delta_epoch:
            status, code = mailbox.delta_expiry
            raise GraphError(
                status, code, "The sync state generation is not found. Resync the collection."
            )
        select = tuple(state.get("sel") or ())
        since = state.get("s")
        until = state["u"] if "$skiptoken" in req.query else mailbox.current_seq()
        offset = int(state.get("o", 0)) if "$skiptoken" in req.query else 0
        if "$deltatoken" in req.query:
            since = state["u"]
    else:
        select = _select(req)
        since, until, offset = None, mailbox.current_seq(), 0
    size = req.max_page(sim.page_size)
    page = mailbox.delta_page(folder.id, since, until, offset, size, req.immutable)
    value: list[dict[str, Any]] = []
    for msg, mid in page.entries:
        if msg is None:
            # Simplification: removals carry the immutable id (the backend always asks for those).
            value.append({"id": mid, "@removed": {"reason": "deleted"}})
        else:
            value.append(_shape(sim, msg, req, select))
    state = {"f": folder.id, "e": mailbox.delta_epoch, "s": since, "u": until, "sel": list(select)}
    path = f"/me/mailFolders/{folder.id}/messages/delta"
    body: dict[str, Any] = {"value": value}
    if page.more:
        body["@odata.nextLink"] = _page(
            sim, path, {"$skiptoken": _token({**state, "o": offset + size})}
        )
    else:
        body["@odata.deltaLink"] = _page(sim, path, {"$deltatoken": _token(state)})
    return Response(200, body)


@route("GET", rf"/me/messages/{SEG}", "messages")
def get_message(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    return Response(200, _shape(sim, sim.mailbox.message(m.group(1)), req))


@route("PATCH", rf"/me/messages/{SEG}", "messages")
def patch_message(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    msg = sim.mailbox.update(m.group(1), _json_body(req))
    return Response(200, _shape(sim, msg, req))


@route("DELETE", rf"/me/messages/{SEG}", "messages")
def delete_message(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    sim.mailbox.delete(m.group(1))
    return Response(204)


@route("POST", rf"/me/messages/{SEG}/move", "move")
def move(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    destination = _json_body(req).get("destinationId")
    if not isinstance(destination, str) or not destination:
        raise GraphError(400, "ErrorInvalidRequest", "destinationId is required.")
    msg = sim.mailbox.move(m.group(1), destination)
    return Response(201, _shape(sim, msg, req))


@route("POST", rf"/me/messages/{SEG}/createReply", "createReply")
def create_reply(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    draft = sim.mailbox.create_reply(m.group(1), drafts.reply_request(req.body))
    return Response(201, _shape(sim, draft, req))


@route("POST", rf"/me/messages/{SEG}/send", "send")
def send(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    sim.mailbox.send(m.group(1))
    return Response(202)


# ---- rules -------------------------------------------------------------------------------
RULES = r"/me/mailFolders/inbox/messageRules"


@route("GET", RULES, "messageRules")
def list_rules(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    with sim.mailbox.lock:
        ordered = sorted(sim.mailbox.rules, key=lambda r: (r.sequence, r.order))
        return Response(200, {"value": [r.to_json() for r in ordered]})


@route("POST", RULES, "messageRules")
def create_rule(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    return Response(201, sim.mailbox.create_rule(_json_body(req)).to_json())


@route("GET", rf"{RULES}/{SEG}", "messageRules")
def get_rule(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    return Response(200, sim.mailbox.rule(m.group(1)).to_json())


@route("PATCH", rf"{RULES}/{SEG}", "messageRules")
def patch_rule(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    return Response(200, sim.mailbox.update_rule(m.group(1), _json_body(req)).to_json())


@route("DELETE", rf"{RULES}/{SEG}", "messageRules")
def delete_rule(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    sim.mailbox.delete_rule(m.group(1))
    return Response(204)


# ---- calendar ----------------------------------------------------------------------------
@route("GET", r"/me/calendarView", "calendarView")
def calendar_view(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    try:
        start = parse_iso(req.query["startDateTime"])
        end = parse_iso(req.query["endDateTime"])
    except (KeyError, ValueError):
        raise GraphError(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window "
            "specified by the query string parameters StartDateTime and "
            "EndDateTime.",
        ) from None
    events = sim.mailbox.calendar_view(start, end)
    top = _int(req.query, "$top", sim.page_size, 1000)
    skip = _int(req.query, "$skip", 0, 10**9)
    body: dict[str, Any] = {"value": [e.to_json() for e in events[skip : skip + top]]}
    if skip + top < len(events):
        body["@odata.nextLink"] = _page(sim, req.path, {**req.query, "$skip": str(skip + top)})
    return Response(200, body)


# ---- Teams presence (presence.py) ------------------------------------------------------------
def _presence_user(sim: GraphSimulator, user: str) -> None:
    if user.lower() != sim.presence.user_id:
        raise GraphError(404, "ResourceNotFound", f"User {user} was not found.")


def _presence_allowed(sim: GraphSimulator, req: Request, *permissions: str) -> None:
    token = req.headers.get("authorization", "")[7:]
    if not any(sim.token_grants(token, p) for p in permissions):
        raise GraphError(
            403,
            "Forbidden",
            f"Insufficient privileges to complete the operation ({' or '.join(permissions)}).",
        )


def _presence_write(sim: GraphSimulator, req: Request) -> None:
    _presence_allowed(sim, req, "Presence.ReadWrite")


@route("GET", r"/me/presence", "presence")
def my_presence(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    _presence_allowed(sim, req, "Presence.Read", "Presence.Read.All")
    return Response(200, sim.presence.current())


@route("GET", rf"/users/{SEG}/presence", "presence")
def user_presence(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    _presence_user(sim, m.group(1))
    _presence_allowed(sim, req, "Presence.Read", "Presence.Read.All")
    return Response(200, sim.presence.current())


@route("POST", rf"/users/{SEG}/presence/setUserPreferredPresence", "presence")
def set_preferred_presence(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    _presence_user(sim, m.group(1))
    _presence_write(sim, req)
    sim.presence.set_preferred(req.body)
    return Response(200)


@route("POST", rf"/users/{SEG}/presence/clearUserPreferredPresence", "presence")
def clear_preferred_presence(sim: GraphSimulator, req: Request, m: re.Match[str]) -> Response:
    _presence_user(sim, m.group(1))
    _presence_write(sim, req)
    sim.presence.clear_preferred(req.body)
    return Response(200)


__all__ = ["Mailbox", "Request", "Response", "dispatch", "operation_of"]
