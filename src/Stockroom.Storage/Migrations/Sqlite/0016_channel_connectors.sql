-- The ledger sequence each feed row's figure stands at: what a marketplace connector sends as the version.
ALTER TABLE channel_feed ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;

-- A channel's marketplace connector: its kind, the API's base URL, the kind's plain settings and its
-- secrets (JSON, protected at rest), how far the channel's feed has been delivered, and how the last
-- attempts went. lease is the claim of the process pushing now: the row's next_attempt_at is moved
-- past the push while it runs, so that another process does not push the same channel at once.
CREATE TABLE channel_connectors (
    channel_id        TEXT NOT NULL PRIMARY KEY REFERENCES channels (id),
    kind              TEXT NOT NULL,
    base_url          TEXT NOT NULL,
    settings          TEXT NOT NULL,
    secrets           TEXT NOT NULL,
    through_feed_id   INTEGER NOT NULL,
    through_sequence  INTEGER NOT NULL,
    resync_requested  INTEGER NOT NULL,
    last_resync_at    TEXT NULL,
    last_success_at   TEXT NULL,
    last_attempt_at   TEXT NULL,
    last_error_status INTEGER NULL,
    last_error_body   TEXT NULL,
    last_error_at     TEXT NULL,
    failures          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL,
    lease             TEXT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
