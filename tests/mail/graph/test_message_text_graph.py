"""The digest's preview through the real Graph client against the Graph simulator: the body
as text (`Prefer: outlook.body-content-type="text"`) and the message's webLink."""

from __future__ import annotations

import pytest

from focusguard.core.ports import Folder, MailError
from focusguard.mail.graph.backend import GraphBackend
from focusguard.sim.graph import GraphSimulator

pytestmark = pytest.mark.timeout(60)

HTML = "<html><body><p>Hello,</p><p>where is <b>order 4711</b>? &amp; thanks</p></body></html>"


def test_message_text_asks_outlook_for_text(sim: GraphSimulator, backend: GraphBackend) -> None:
    backend.connect()
    imid = sim.deliver("Ann <ann@client.example>", "Order", body=HTML)
    for msg in sim.mailbox.messages.values():
        if msg.internet_message_id == imid:
            msg.body_type = "html"
    [listed] = backend.list_folder(Folder.INBOX)
    assert backend.message_text(listed.item_id) == "Hello,\n\nwhere is order 4711? & thanks"
    assert listed.web_link and listed.web_link.startswith("https://")


def test_a_message_gone_is_a_mail_error(sim: GraphSimulator, backend: GraphBackend) -> None:
    backend.connect()
    with pytest.raises(MailError):
        backend.message_text("AAMkAGone")
