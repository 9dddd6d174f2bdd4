"""What a connection test found, as the wizard's last page and Settings → Account show it."""

from __future__ import annotations

from focusguard.app.values import MailboxCheck


def describe(check: MailboxCheck) -> list[str]:
    """Plain-text lines: the mailbox, the held folder, server rules, Outlook's rule blob."""
    lines = [f"Connected to the mailbox {check.mailbox}."]
    if check.held_folder_exists:
        lines.append(f"Held mail goes to its folder “{check.held_folder}”, which is there.")
    else:
        lines.append(
            f"Held mail goes to a folder “{check.held_folder}”, created when FocusGuard starts."
        )
    if check.server_rules:
        lines.append(
            "Server rules can be used: the mail server itself holds customer mail during "
            "focus, so none pops up in Outlook first."
        )
    else:
        lines.append(
            "Server rules cannot be used, so FocusGuard moves held mail itself while it runs"
            + (f" ({check.detail})" if check.detail else "")
            + "."
        )
    if check.rule_blob is True:
        lines.append("Outlook's client-side rules are present and are left alone.")
    elif check.rule_blob is False:
        lines.append("No Outlook client-side rules are in the way.")
    return lines
