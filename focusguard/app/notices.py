"""What FocusGuard tells the person about what happened — the same in the tray, headless and
the demo, because every mode gets its notices from here (it used to be the tray's own, so
`notifications.urgent_during_focus` was honoured in the tray only).

- one notice per release: "Check-in: your held mail is in the Inbox — 7 customer emails from
  4 customers" (a click opens the held mail);
- urgent mail that reached the Inbox without Outlook's alert: a server rule held it for a
  moment (a plus-addressed urgent sender never matches an exact-address exception) and
  FocusGuard moved it back, and a move into the Inbox raises no new-mail alert;
- optionally (`notifications.urgent_during_focus`) urgent mail that came through in focus.
"""

from __future__ import annotations

from collections.abc import Callable

from focusguard.app.events import Decided, Events, Notice, Released
from focusguard.core.engine import Outcome, Release
from focusguard.core.settings import NotificationSettings
from focusguard.domain.policy import Action
from focusguard.domain.senders import Category

RELEASE_TITLES = {
    "check-in": "Check-in: your held mail is in the Inbox",
    "wake": "Check-in: your held mail is in the Inbox",
    "manual": "Released to your Inbox",
    "release-all": "Released to your Inbox",
    "pause": "FocusGuard paused: mail released",
    "focus-end": "Focus ended: mail released",
    "handled": "Marked handled: moved to your Inbox",
    # The promise guard brought customer mail out before its check-in (issue 12 §1).
    "promise": "Released early to keep your reply promise",
}
URGENT_TITLE = "Urgent email in your Inbox"
URGENT_MOVED = (
    "A sender on your urgent list wrote. The server held the email for a moment, so Outlook "
    "showed no alert for it."
)
URGENT_IN_FOCUS = "A sender on your urgent list came through during focus."


def release_notice(release: Release) -> Notice | None:
    if not release.released:
        return None
    body = release.summary
    if release.failed:
        body += f" ({release.failed} could not be moved yet; FocusGuard will retry)"
    if release.reason:
        body += f" ({release.reason})"
    title = RELEASE_TITLES.get(release.kind, "Held mail released")
    return Notice(title, body, about_held_mail=True)


def outcome_notice(outcome: Outcome, settings: NotificationSettings) -> Notice | None:
    d = outcome.decision
    if not (d.category is Category.URGENT and d.action is Action.DELIVER):
        return None
    if outcome.moved:
        return Notice(URGENT_TITLE, URGENT_MOVED, "warning")
    if settings.urgent_during_focus and outcome.during_focus:
        return Notice(URGENT_TITLE, URGENT_IN_FOCUS, "warning")
    return None


def announce(events: Events, settings: Callable[[], NotificationSettings]) -> None:
    """Publish the notices for what happens on `events`, with the settings of the moment."""

    def released(event: Released) -> None:
        notice = release_notice(event.release)
        if notice is not None:
            events.publish(notice)

    def decided(event: Decided) -> None:
        notice = outcome_notice(event.outcome, settings())
        if notice is not None:
            events.publish(notice)

    events.subscribe(Released, released)
    events.subscribe(Decided, decided)
