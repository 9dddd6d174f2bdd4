"""A CR/LF in a subject never reaches the auto-reply on Graph (issue 9 §5): createReply would
copy the sender's subject as it is, so FocusGuard sets a clean one on the draft."""

from __future__ import annotations

from focusguard.core.ports import Folder
from focusguard.domain import autoreply
from focusguard.mail.graph.backend import GraphBackend
from focusguard.sim.graph import GraphSimulator


def test_reply_subject_is_one_clean_line(sim: GraphSimulator, backend: GraphBackend) -> None:
    sim.deliver("Ann <ann@client.example>", "Order 4711\r\nBcc: evil@attacker.example\u2028x")
    [item] = backend.list_folder(Folder.INBOX)
    backend.send_reply(item, "We will answer at 13:00.", autoreply.REPLY_HEADERS)
    [sent] = sim.sent()
    assert sent["subject"] == "RE: Order 4711 Bcc: evil@attacker.example x"
    assert sent["to"] == ["ann@client.example"]
    assert [m["subject"] for m in sim.folder_messages("sentitems")] == [sent["subject"]]
