-- Low-stock thresholds, chosen like safety stock: the most specific rule for a position wins.
CREATE TABLE low_stock_rules (
    sku         TEXT COLLATE "C" NOT NULL DEFAULT '',
    location_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    group_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    threshold   BIGINT NOT NULL CHECK (threshold > 0),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sku, location_id, group_id)
);

CREATE TABLE webhooks (
    id           TEXT COLLATE "C" PRIMARY KEY,
    url          TEXT NOT NULL,
    events       TEXT NOT NULL,
    secret       TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- The outbox: written in the transaction of the change it announces, delivered in the background.
CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      TEXT COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
