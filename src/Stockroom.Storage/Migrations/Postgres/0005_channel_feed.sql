-- SKUs whose positions changed, stamped with the ledger sequence of the change. Ledger sequences
-- follow commit order (the head row is locked until commit), so "changed after sequence N" misses
-- nothing, unlike a timestamp.
CREATE TABLE availability_changes (
    sku      TEXT COLLATE "C" PRIMARY KEY,
    sequence BIGINT NOT NULL
);

CREATE INDEX availability_changes_by_sequence ON availability_changes (sequence);

-- How often a channel's availability is published: 0 on every change, else every N seconds.
ALTER TABLE channels ADD COLUMN publish_every_seconds INTEGER NOT NULL DEFAULT 0;

-- Per channel: changes published up to which sequence, and when it is next due.
CREATE TABLE channel_publishing (
    channel_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES channels (id),
    through        BIGINT NOT NULL,
    next_due_at    TIMESTAMPTZ NOT NULL
);

-- The last availability published per channel and SKU, so that only real changes go out.
CREATE TABLE channel_published (
    channel_id TEXT COLLATE "C" NOT NULL,
    sku        TEXT COLLATE "C" NOT NULL,
    available  BIGINT NOT NULL,
    PRIMARY KEY (channel_id, sku)
);

-- What was published: one row per SKU whose channel availability changed, coalesced per cadence.
CREATE TABLE channel_feed (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id   TEXT COLLATE "C" NOT NULL,
    sku          TEXT COLLATE "C" NOT NULL,
    available    BIGINT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX channel_feed_by_channel ON channel_feed (channel_id, id);

INSERT INTO channel_publishing (channel_id, through, next_due_at)
SELECT id, (SELECT sequence FROM ledger_head WHERE id = 1), CURRENT_TIMESTAMP FROM channels;
