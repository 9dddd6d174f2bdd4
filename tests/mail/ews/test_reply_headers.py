"""A CR/LF in a subject, Message-ID or References never reaches the auto-reply's headers on
EWS (issue 9 §5): the real exchangelib, the reply as the simulator received it."""

from __future__ import annotations

from dataclasses import replace

from focusguard.core.ports import Folder
from focusguard.domain.autoreply import REPLY_HEADERS
from focusguard.mail.ews import EwsBackend
from focusguard.sim.ews import EwsSimulator


def test_hostile_subject_and_ids_cannot_add_headers_to_the_reply(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    imid = sim.deliver(
        "Ann Customer <ann@client.example>",
        "Order 4711\r\nBcc: evil@attacker.example",
        headers={"References": "<older@client.example>\r\n\tBcc: evil2@attacker.example"},
    )
    (item,) = backend.list_folder(Folder.INBOX)
    assert "\n" in item.subject  # the server hands the subject over as the sender wrote it
    hostile = replace(item, message_id=imid + "\r\nBcc: evil3@attacker.example")
    backend.send_reply(hostile, "Thanks - I will reply after 13:00.", REPLY_HEADERS)
    (sent,) = sim.sent()
    values = [sent["subject"], sent["in_reply_to"], sent["references"], *sent["headers"].values()]
    assert not [v for v in values if "\r" in v or "\n" in v]
    assert sent["subject"] == "Re: Order 4711 Bcc: evil@attacker.example"
    assert sent["to"] == ["ann@client.example"]  # nobody else got it
    assert sent["in_reply_to"] == imid + "Bcc:evil3@attacker.example"
    assert sent["references"].split()[0] == "<older@client.example>"
