-- Low-stock thresholds, chosen like safety stock: the most specific rule for a position wins.
CREATE TABLE low_stock_rules (
    sku         TEXT NOT NULL DEFAULT '',
    location_id TEXT NOT NULL DEFAULT '',
    group_id    TEXT NOT NULL DEFAULT '',
    threshold   INTEGER NOT NULL CHECK (threshold > 0),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (sku, location_id, group_id)
);

CREATE TABLE webhooks (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    events       TEXT NOT NULL,
    secret       TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- The outbox: written in the transaction of the change it announces, delivered in the background.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
