-- API keys created through the API. Only a SHA-256 digest of each key is kept: the key itself
-- is shown once, when it is created. A revoked key stays, so that its id is never reused.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    channel_id   TEXT,
    request_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
