"""The digest's preview over real exchangelib against the EWS simulator: the body as text
(TextBody, converted from HTML by the server) and the Outlook on the web link."""

from __future__ import annotations

import pytest

from focusguard.core.ports import Folder
from focusguard.mail.ews import EwsBackend
from focusguard.sim.ews import EwsSimulator

pytestmark = pytest.mark.timeout(60)

HTML = (
    "<html><head><style>p{color:red}</style></head><body><p>Hello,</p>"
    "<p>where is <b>order 4711</b>? &amp; thanks</p><script>alert(1)</script></body></html>"
)


def test_message_text_is_plain_text_converted_by_the_server(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    imid = sim.deliver("Ann <ann@client.example>", "Order", body=HTML)
    for item in sim.mailbox.items.values():
        if item.internet_message_id == imid:
            item.body_type = "HTML"
    [listed] = backend.list_folder(Folder.INBOX)
    assert backend.message_text(listed.item_id) == "Hello,\n\nwhere is order 4711? & thanks"
    plain = sim.deliver("Bo <bo@client.example>", "Plain", body="Just text <b>kept</b>")
    [item] = [i for i in backend.list_folder(Folder.INBOX) if i.message_id == plain]
    assert backend.message_text(item.item_id) == "Just text <b>kept</b>"


def test_items_carry_the_outlook_web_link(sim: EwsSimulator, backend: EwsBackend) -> None:
    sim.deliver("Ann <ann@client.example>", "Order")
    [listed] = backend.list_folder(Folder.INBOX)
    assert listed.web_link is not None
    assert listed.web_link.startswith("https://")
    assert "viewmodel=ReadMessageItem" in listed.web_link
