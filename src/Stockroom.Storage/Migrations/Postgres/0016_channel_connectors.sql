-- The ledger sequence each feed row's figure stands at: what a marketplace connector sends as the version.
ALTER TABLE channel_feed ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;

-- A channel's marketplace connector: its kind, the API's base URL, the kind's plain settings and its
-- secrets (JSON, protected at rest), how far the channel's feed has been delivered, and how the last
-- attempts went. lease is the claim of the process pushing now: the row's next_attempt_at is moved
-- past the push while it runs, so that another process does not push the same channel at once.
CREATE TABLE channel_connectors (
    channel_id        TEXT COLLATE "C" PRIMARY KEY REFERENCES channels (id),
    kind              TEXT NOT NULL,
    base_url          TEXT NOT NULL,
    settings          TEXT NOT NULL,
    secrets           TEXT NOT NULL,
    through_feed_id   BIGINT NOT NULL,
    through_sequence  BIGINT NOT NULL,
    resync_requested  BOOLEAN NOT NULL,
    last_resync_at    TIMESTAMPTZ NULL,
    last_success_at   TIMESTAMPTZ NULL,
    last_attempt_at   TIMESTAMPTZ NULL,
    last_error_status INTEGER NULL,
    last_error_body   TEXT NULL,
    last_error_at     TIMESTAMPTZ NULL,
    failures          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMPTZ NOT NULL,
    lease             TEXT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
