"""Item operations: FindItem, GetItem, MoveItem, CopyItem, DeleteItem, UpdateItem."""

from __future__ import annotations

from collections.abc import Callable

from .folder_ops import each_folder, required_folder
from .mailbox import Mailbox, MailboxError
from .model import Item
from .restrictions import (
    ITEM_FIELDS,
    RestrictionError,
    compile_restriction,
    sort_items,
    sort_key_funcs,
)
from .shapes import NOT_IN_FIND_ITEM, Shape, indexed_page, item_element, parse_shape
from .soap import (
    Element,
    local,
    m,
    parse_bool,
    parse_dt,
    response_message,
    response_root,
    sub,
    t,
    xbool,
)


def _item_ids(req: Element, tag: str = "ItemIds") -> list[str]:
    holder = req.find(m(tag))
    return [e.get("Id", "") for e in holder] if holder is not None else []


def _append_item(mb: Mailbox, parent: Element, item: Item, shape: Shape) -> None:
    folder = mb.folders.get(item.folder_id)
    item_element(parent, item, shape, folder.change_key if folder else "")


def find_item(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("FindItem")
    shape = parse_shape(req.find(m("ItemShape")))
    shape.fields -= NOT_IN_FIND_ITEM
    try:
        pred = compile_restriction(req.find(m("Restriction")), ITEM_FIELDS)
        keys = sort_key_funcs(req.find(m("SortOrder")))
    except RestrictionError as exc:
        response_message(msgs, "FindItem", exc.code, str(exc))
        return root
    cal_view = req.find(m("CalendarView"))
    paged = req.find(m("IndexedPageItemView"))
    with mb.lock:
        for folder in each_folder(mb, msgs, "FindItem", req.find(m("ParentFolderIds"))):
            items = [i for i in mb.folder_items(folder.id) if pred(i)]
            msg = response_message(msgs, "FindItem")
            if cal_view is not None:
                start = parse_dt(cal_view.get("StartDate", ""))
                end = parse_dt(cal_view.get("EndDate", ""))
                # A calendar view returns every item overlapping the window, oldest first.
                hits = sorted(
                    (i for i in items if i.start and i.end and i.start < end and i.end > start),
                    key=lambda i: i.start or start,
                )
                limit = int(cal_view.get("MaxEntriesReturned", str(len(hits) or 1)))
                page = hits[:limit]
                rf = sub(
                    msg,
                    m("RootFolder"),
                    TotalItemsInView=str(len(hits)),
                    IncludesLastItemInRange=xbool(len(page) == len(hits)),
                )
            else:
                ordered = sort_items(items, keys)
                limit = len(ordered)
                offset = 0
                if paged is not None:
                    limit = int(paged.get("MaxEntriesReturned", str(limit)))
                    offset = int(paged.get("Offset", "0"))
                    if paged.get("BasePoint") == "End":
                        offset = max(len(ordered) - offset - limit, 0)
                rf, page = indexed_page(msg, ordered, offset, limit)
            out = sub(rf, t("Items"))
            for item in page:
                _append_item(mb, out, item, shape)
    return root


def get_item(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("GetItem")
    shape = parse_shape(req.find(m("ItemShape")))
    with mb.lock:
        for item_id in _item_ids(req):
            try:
                item = mb.item(item_id)
            except MailboxError as exc:
                response_message(msgs, "GetItem", exc.code, exc.message)
                continue
            msg = response_message(msgs, "GetItem")
            _append_item(mb, sub(msg, m("Items")), item, shape)
    return root


def _move_or_copy(mb: Mailbox, req: Element, op: str) -> Element:
    root, msgs = response_root(op)
    with mb.lock:
        try:
            target = required_folder(mb, req, "ToFolderId")
        except MailboxError as exc:
            for _ in _item_ids(req):
                response_message(msgs, op, exc.code, exc.message)
            return root
        for item_id in _item_ids(req):
            try:
                if op == "MoveItem":
                    item = mb.move_item(item_id, target.id)
                else:
                    item = mb.copy_item(item_id, target.id)
            except MailboxError as exc:
                response_message(msgs, op, exc.code, exc.message)
                continue
            msg = response_message(msgs, op)
            out = sub(sub(msg, m("Items")), t(item.element))
            sub(out, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    return root


def move_item(mb: Mailbox, req: Element) -> Element:
    return _move_or_copy(mb, req, "MoveItem")


def copy_item(mb: Mailbox, req: Element) -> Element:
    return _move_or_copy(mb, req, "CopyItem")


def delete_item(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("DeleteItem")
    delete_type = req.get("DeleteType", "MoveToDeletedItems")
    for item_id in _item_ids(req):
        try:
            mb.delete_item(item_id, delete_type)
        except MailboxError as exc:
            response_message(msgs, "DeleteItem", exc.code, exc.message)
            continue
        response_message(msgs, "DeleteItem")
    return root


# UpdateItem: the handful of properties a mail client actually changes.
_SETTABLE: dict[str, tuple[str, Callable[[Item, str | None], None]]] = {
    "message:IsRead": ("IsRead", lambda i, v: setattr(i, "is_read", parse_bool(v))),
    "item:Subject": ("Subject", lambda i, v: setattr(i, "subject", v or "")),
    "item:Importance": ("Importance", lambda i, v: setattr(i, "importance", v or "Normal")),
    "item:Body": ("Body", lambda i, v: setattr(i, "body", v or "")),
}


def update_item(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("UpdateItem")
    changes = req.find(m("ItemChanges"))
    for change in changes if changes is not None else []:
        try:
            with mb.lock:
                id_el = change.find(t("ItemId"))
                item = mb.item(id_el.get("Id", "") if id_el is not None else "")
                updates = change.find(t("Updates"))
                for upd in updates if updates is not None else []:
                    uri_el = upd.find(t("FieldURI"))
                    uri = uri_el.get("FieldURI", "") if uri_el is not None else ""
                    if uri == "item:Categories" and local(upd) in (
                        "SetItemField",
                        "DeleteItemField",
                    ):
                        cats = upd.find(f".//{t('Categories')}")
                        item.categories = [s.text or "" for s in cats] if cats is not None else []
                        continue
                    if uri not in _SETTABLE or local(upd) != "SetItemField":
                        raise MailboxError(
                            "ErrorInvalidPropertySet",
                            f"The simulator cannot update {uri or 'that field'}.",
                        )
                    tag, setter = _SETTABLE[uri]
                    value_el = upd.find(f".//{t(tag)}")
                    setter(item, value_el.text if value_el is not None else None)
                mb.update_item(item)
        except MailboxError as exc:
            response_message(msgs, "UpdateItem", exc.code, exc.message)
            continue
        msg = response_message(msgs, "UpdateItem")
        out = sub(sub(msg, m("Items")), t(item.element))
        sub(out, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
        sub(sub(msg, m("ConflictResults")), t("Count"), "0")
    return root


def sync_folder_items(mb: Mailbox, req: Element) -> Element:
    """SyncFolderItems over the per-folder journal; the SyncState is "<folder>:<seq>"."""
    import base64

    root, msgs = response_root("SyncFolderItems")
    shape = parse_shape(req.find(m("ItemShape")))
    max_changes = int(req.findtext(m("MaxChangesReturned")) or "512")
    state_txt = (req.findtext(m("SyncState")) or "").strip()
    with mb.lock:
        try:
            folder = required_folder(mb, req, "SyncFolderId")
            since = 0
            if state_txt:
                try:
                    fid, seq_txt = base64.b64decode(state_txt).decode().rsplit(":", 1)
                    since = int(seq_txt)
                except (ValueError, UnicodeDecodeError):
                    raise MailboxError(
                        "ErrorInvalidSyncStateData", "The sync state is invalid."
                    ) from None
                if fid != folder.id:
                    raise MailboxError(
                        "ErrorInvalidSyncStateData", "The sync state belongs to another folder."
                    )
        except MailboxError as exc:
            response_message(msgs, "SyncFolderItems", exc.code, exc.message)
            return root
        # Collapse the journal after `since` into one change per item, in order.
        pending: dict[str, str] = {}
        last = since
        entries = [e for e in mb.journals[folder.id].entries if e[0] > since]
        complete = True
        for seq, change, item_id in entries:
            if item_id not in pending and len(pending) >= max_changes:
                complete = False
                break
            prev = pending.get(item_id)
            if change == "Delete" and prev == "Create":
                del pending[item_id]
            elif change == "Update" and prev == "Create":
                pass
            else:
                pending[item_id] = change
            last = seq
        msg = response_message(msgs, "SyncFolderItems")
        state = base64.b64encode(f"{folder.id}:{last}".encode()).decode()
        sub(msg, m("SyncState"), state)
        sub(msg, m("IncludesLastItemInRange"), xbool(complete))
        out = sub(msg, m("Changes"))
        for item_id, change in pending.items():
            live = mb.items.get(item_id)
            if change == "Delete" or live is None or live.folder_id != folder.id:
                sub(sub(out, t("Delete")), t("ItemId"), Id=item_id)
                continue
            _append_item(mb, sub(out, t(change)), live, shape)
    return root
