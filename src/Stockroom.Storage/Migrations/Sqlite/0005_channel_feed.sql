-- SKUs whose positions changed, stamped with the ledger sequence of the change. Ledger sequences
-- follow commit order (the head row is locked until commit), so "changed after sequence N" misses
-- nothing, unlike a timestamp.
CREATE TABLE availability_changes (
    sku      TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL
);

CREATE INDEX availability_changes_by_sequence ON availability_changes (sequence);

-- How often a channel's availability is published: 0 on every change, else every N seconds.
ALTER TABLE channels ADD COLUMN publish_every_seconds INTEGER NOT NULL DEFAULT 0;

-- Per channel: changes published up to which sequence, and when it is next due.
CREATE TABLE channel_publishing (
    channel_id     TEXT PRIMARY KEY REFERENCES channels (id),
    through        INTEGER NOT NULL,
    next_due_at    TEXT NOT NULL
);

-- The last availability published per channel and SKU, so that only real changes go out.
CREATE TABLE channel_published (
    channel_id TEXT NOT NULL,
    sku        TEXT NOT NULL,
    available  INTEGER NOT NULL,
    PRIMARY KEY (channel_id, sku)
);

-- What was published: one row per SKU whose channel availability changed, coalesced per cadence.
CREATE TABLE channel_feed (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id   TEXT NOT NULL,
    sku          TEXT NOT NULL,
    available    INTEGER NOT NULL,
    published_at TEXT NOT NULL
);

CREATE INDEX channel_feed_by_channel ON channel_feed (channel_id, id);

INSERT INTO channel_publishing (channel_id, through, next_due_at)
SELECT id, (SELECT sequence FROM ledger_head WHERE id = 1), CURRENT_TIMESTAMP FROM channels;
