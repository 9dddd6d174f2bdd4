"""Numbered schema migrations, tracked by `PRAGMA user_version`.

`MIGRATIONS[n - 1]` brings the schema from version n-1 to version n; the store runs each one
in its own transaction together with the version bump. Never edit a migration that has
shipped: add a new one at the end.

Datetime columns hold ISO-8601 UTC text of fixed width ('2026-05-09T07:35:25.000000+00:00'),
so text order is time order.
"""

from __future__ import annotations

_V1_INITIAL = """
CREATE TABLE held (
    message_id  TEXT PRIMARY KEY NOT NULL,      -- Internet Message-ID (stable across moves)
    item_id     TEXT,                           -- latest known Exchange item id
    sender      TEXT NOT NULL,                  -- From header as received
    address     TEXT,                           -- normalised SMTP address
    subject     TEXT NOT NULL,
    category    TEXT NOT NULL
                CHECK (category IN ('urgent', 'internal', 'customer', 'other')),
    received    TEXT NOT NULL,
    held_at     TEXT NOT NULL,
    release_at  TEXT,
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'held'
                CHECK (state IN ('held', 'released', 'handled')),
    released_at TEXT
) WITHOUT ROWID;

CREATE INDEX held_by_state_received ON held (state, received);

CREATE TABLE decision (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    address     TEXT,
    category    TEXT NOT NULL
                CHECK (category IN ('urgent', 'internal', 'customer', 'other')),
    action      TEXT NOT NULL CHECK (action IN ('deliver', 'hold')),
    release_at  TEXT,
    reason      TEXT NOT NULL
);

CREATE INDEX decision_by_at ON decision (at);

CREATE TABLE autoreply (
    address     TEXT PRIMARY KEY NOT NULL,      -- normalised, lower-case SMTP address
    sent_at     TEXT NOT NULL,
    message_id  TEXT NOT NULL                   -- the message that was answered
) WITHOUT ROWID;

CREATE TABLE check_in (
    id            INTEGER PRIMARY KEY,
    scheduled_for TEXT,
    ran_at        TEXT NOT NULL,
    kind          TEXT NOT NULL,              -- validated by CheckInRecord (the list grows)
    released      INTEGER NOT NULL CHECK (released >= 0),
    failed        INTEGER NOT NULL CHECK (failed >= 0),
    note          TEXT NOT NULL DEFAULT ''
);

CREATE INDEX check_in_by_ran_at ON check_in (ran_at);

CREATE TABLE fact (
    key         TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL                   -- JSON text
) WITHOUT ROWID;
"""

_V2_WEB_LINK_AND_RELEASE_INDEXES = """
ALTER TABLE held ADD COLUMN web_link TEXT;

-- "what is due": held messages by release time
CREATE INDEX held_by_state_release_at ON held (state, release_at);

-- the digest: what was released (or handled) since t
CREATE INDEX held_by_released_at ON held (released_at) WHERE released_at IS NOT NULL;
"""

_V3_DECISION_BY_MESSAGE = """
-- "was this message decided on already?" (resync after a reconnect asks it per message)
CREATE INDEX decision_by_message ON decision (message_id);
"""

# One ledger entry per server item, not per Message-ID: duplicates happen (a list and a
# direct copy, a resent message) and a hostile sender can reuse a known Message-ID, so a
# Message-ID key let one item hide another in the held folder (issue 9). `id` is the entry;
# `message_id` is an ordinary, indexed column; `item_id` (the latest known server id) is
# how the engine matches entries to what is really in the held folder.
_V4_HELD_ENTRIES = """
CREATE TABLE held_v4 (
    id          INTEGER PRIMARY KEY,            -- the ledger entry (one per server item)
    message_id  TEXT NOT NULL,                  -- Internet Message-ID (not unique)
    item_id     TEXT,                           -- latest known server item id
    sender      TEXT NOT NULL,                  -- From header as received
    address     TEXT,                           -- normalised SMTP address
    subject     TEXT NOT NULL,
    category    TEXT NOT NULL
                CHECK (category IN ('urgent', 'internal', 'customer', 'other')),
    received    TEXT NOT NULL,
    held_at     TEXT NOT NULL,
    release_at  TEXT,
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'held'
                CHECK (state IN ('held', 'released', 'handled')),
    released_at TEXT,
    web_link    TEXT
);

INSERT INTO held_v4 (message_id, item_id, sender, address, subject, category, received,
                     held_at, release_at, reason, state, released_at, web_link)
SELECT message_id, item_id, sender, address, subject, category, received,
       held_at, release_at, reason, state, released_at, web_link
FROM held ORDER BY received, message_id;

DROP TABLE held;
ALTER TABLE held_v4 RENAME TO held;

CREATE INDEX held_by_state_received ON held (state, received);
CREATE INDEX held_by_state_release_at ON held (state, release_at);
CREATE INDEX held_by_released_at ON held (released_at) WHERE released_at IS NOT NULL;
CREATE INDEX held_by_message ON held (message_id);
CREATE INDEX held_by_item ON held (item_id) WHERE item_id IS NOT NULL;
"""

# Status counts held mail, and customers' among it, from one covering index scan instead of
# a record per held entry (issue 15: status with 100,000 held).
_V5_HELD_BY_STATE_CATEGORY = """
CREATE INDEX held_by_state_category ON held (state, category);
"""

# Insights (issue 13): the mailbox's history, only what the figures need — addresses, times,
# flags and one-way tokens of the thread ids; never a subject, a body or a readable id —
# how far each folder has been read (so an interrupted read continues), and when focus was
# in force. All of it is pruned after `privacy.keep_days` (docs/privacy.md).
_V6_HISTORY_AND_FOCUS = """
CREATE TABLE history (
    key           TEXT PRIMARY KEY NOT NULL,     -- token: one entry per message, across moves
    direction     TEXT NOT NULL CHECK (direction IN ('received', 'sent')),
    at            TEXT NOT NULL,                 -- received or sent
    sender        TEXT,                          -- normalised From address (received)
    recipients    TEXT NOT NULL DEFAULT '[]',    -- JSON list of normalised To/Cc addresses
    message       TEXT,                          -- token of the Message-ID
    parents       TEXT NOT NULL DEFAULT '',      -- tokens of In-Reply-To/References
    conversation  TEXT,                          -- token of the server's conversation id
    automatic     INTEGER NOT NULL DEFAULT 0 CHECK (automatic IN (0, 1)),
    no_autoreply  INTEGER NOT NULL DEFAULT 0 CHECK (no_autoreply IN (0, 1)),
    own_autoreply INTEGER NOT NULL DEFAULT 0 CHECK (own_autoreply IN (0, 1)),
    held          INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1))
) WITHOUT ROWID;

CREATE INDEX history_by_at ON history (at);

CREATE TABLE history_read (
    folder      TEXT PRIMARY KEY NOT NULL CHECK (folder IN ('held', 'inbox', 'sent')),
    lo          TEXT,                            -- read completely from lo ...
    hi          TEXT,                            -- ... up to hi (both NULL: nothing yet)
    seg_start   TEXT,                            -- a read in progress over [seg_start,
    seg_end     TEXT,                            -- seg_end), done up to mark
    mark        TEXT,
    seen        TEXT NOT NULL DEFAULT '[]'       -- JSON list of keys read at exactly mark
) WITHOUT ROWID;

CREATE TABLE focus_span (
    span_start  TEXT PRIMARY KEY NOT NULL,       -- focus in force from span_start ...
    span_end    TEXT NOT NULL CHECK (span_end > span_start)  -- ... to span_end
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[str, ...] = (
    _V1_INITIAL,
    _V2_WEB_LINK_AND_RELEASE_INDEXES,
    _V3_DECISION_BY_MESSAGE,
    _V4_HELD_ENTRIES,
    _V5_HELD_BY_STATE_CATEGORY,
    _V6_HISTORY_AND_FOCUS,
)

LATEST_VERSION: int = len(MIGRATIONS)
