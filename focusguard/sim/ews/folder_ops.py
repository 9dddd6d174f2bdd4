"""GetFolder, FindFolder, CreateFolder, DeleteFolder."""

from __future__ import annotations

from collections.abc import Iterator

from .mailbox import Mailbox, MailboxError
from .model import Folder
from .restrictions import FOLDER_FIELDS, RestrictionError, compile_restriction
from .shapes import folder_element, indexed_page
from .soap import Element, local, m, response_message, response_root, sub, t


def resolve_folder(mb: Mailbox, elem: Element) -> Folder:
    """t:FolderId or t:DistinguishedFolderId -> Folder (raises MailboxError)."""
    name = local(elem)
    if name == "DistinguishedFolderId":
        return mb.distinguished(elem.get("Id", ""))
    if name == "FolderId":
        return mb.folder(elem.get("Id", ""))
    raise MailboxError("ErrorInvalidIdMalformed", f"Unsupported folder id element {name}.")


def each_folder(mb: Mailbox, msgs: Element, op: str, holder: Element | None) -> Iterator[Folder]:
    """The folders `holder` lists, in order. EWS answers per id, so one that does not resolve
    gets its own error ResponseMessage in `msgs` and is skipped."""
    for elem in holder if holder is not None else []:
        try:
            folder = resolve_folder(mb, elem)
        except MailboxError as exc:
            response_message(msgs, op, exc.code, exc.message)
            continue
        yield folder


def required_folder(mb: Mailbox, req: Element, tag: str) -> Folder:
    """The one folder the `tag` child of `req` names (ToFolderId, SyncFolderId, ...)."""
    holder = req.find(m(tag))
    if holder is None or len(holder) == 0:
        raise MailboxError("ErrorInvalidOperation", f"{tag} is required.")
    return resolve_folder(mb, holder[0])


def append_folder(mb: Mailbox, parent: Element, folder: Folder) -> None:
    items = mb.folder_items(folder.id)
    folder_element(
        parent, folder, len(items), sum(not i.is_read for i in items), len(mb.children(folder.id))
    )


def get_folder(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("GetFolder")
    with mb.lock:
        for folder in each_folder(mb, msgs, "GetFolder", req.find(m("FolderIds"))):
            msg = response_message(msgs, "GetFolder")
            append_folder(mb, sub(msg, m("Folders")), folder)
    return root


def find_folder(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("FindFolder")
    deep = req.get("Traversal", "Shallow") == "Deep"
    view = req.find(m("IndexedPageFolderView"))
    max_entries = int(view.get("MaxEntriesReturned", "1000")) if view is not None else 1000
    offset = int(view.get("Offset", "0")) if view is not None else 0
    try:
        pred = compile_restriction(req.find(m("Restriction")), FOLDER_FIELDS)
    except RestrictionError as exc:
        response_message(msgs, "FindFolder", exc.code, str(exc))
        return root
    with mb.lock:
        for parent in each_folder(mb, msgs, "FindFolder", req.find(m("ParentFolderIds"))):
            found = mb.descendants(parent.id) if deep else mb.children(parent.id)
            found = [f for f in found if pred(f)]
            msg = response_message(msgs, "FindFolder")
            rf, page = indexed_page(msg, found, offset, max_entries)
            folders = sub(rf, t("Folders"))
            for folder in page:
                append_folder(mb, folders, folder)
    return root


_ELEMENT_CLASS = {
    "Folder": None,
    "CalendarFolder": "IPF.Appointment",
    "ContactsFolder": "IPF.Contact",
    "TasksFolder": "IPF.Task",
    "SearchFolder": None,
}


def create_folder(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("CreateFolder")
    folders_el = req.find(m("Folders"))
    for new in folders_el if folders_el is not None else []:
        element = local(new)
        name = new.findtext(t("DisplayName")) or ""
        cls = new.findtext(t("FolderClass")) or _ELEMENT_CLASS.get(element) or "IPF.Note"
        try:
            parent = required_folder(mb, req, "ParentFolderId")
            folder = mb.create_folder(
                parent.id, name, cls, element if element in _ELEMENT_CLASS else "Folder"
            )
        except MailboxError as exc:
            response_message(msgs, "CreateFolder", exc.code, exc.message)
            continue
        msg = response_message(msgs, "CreateFolder")
        out = sub(sub(msg, m("Folders")), t(folder.element))
        sub(out, t("FolderId"), Id=folder.id, ChangeKey=folder.change_key)
    return root


def delete_folder(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("DeleteFolder")
    ids = req.find(m("FolderIds"))
    for elem in ids if ids is not None else []:
        try:
            with mb.lock:
                folder = resolve_folder(mb, elem)
                if folder.distinguished:
                    raise MailboxError(
                        "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted."
                    )
                for gone in [folder, *mb.descendants(folder.id)]:
                    for item in mb.folder_items(gone.id):
                        del mb.items[item.id]
                    del mb.folders[gone.id]
        except MailboxError as exc:
            response_message(msgs, "DeleteFolder", exc.code, exc.message)
            continue
        response_message(msgs, "DeleteFolder")
    return root
