-- Reservations keep their lines (with the positions each line holds units at) as JSON beside
-- a row per line for queries by SKU; the counters on positions are the sum of these holds.
CREATE TABLE reservations (
    id              TEXT PRIMARY KEY,
    channel_id      TEXT NOT NULL,
    customer_id     TEXT,
    priority        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    allow_partial   INTEGER NOT NULL,
    allow_backorder INTEGER NOT NULL,
    request_hash    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    order_id        TEXT,
    lines           TEXT NOT NULL
);

-- The expiry sweep reads only open holds, oldest deadline first.
CREATE INDEX reservations_open_by_expiry ON reservations (expires_at)
    WHERE status IN ('pending', 'active', 'partial', 'backordered');
CREATE INDEX reservations_by_status ON reservations (status, id);

CREATE TABLE reservation_lines (
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    line           INTEGER NOT NULL,
    sku            TEXT NOT NULL,
    PRIMARY KEY (reservation_id, line)
);

CREATE INDEX reservation_lines_by_sku ON reservation_lines (sku, reservation_id);

CREATE TABLE orders (
    id                  TEXT PRIMARY KEY,
    channel_id          TEXT NOT NULL,
    reservation_id      TEXT,
    status              TEXT NOT NULL,
    request_hash        TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    sent_to_pos_at      TEXT,
    pos_acknowledged_at TEXT,
    tracking_number     TEXT
);

CREATE TABLE order_lines (
    order_id    TEXT NOT NULL REFERENCES orders (id),
    line        INTEGER NOT NULL,
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    returned    INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= quantity),
    PRIMARY KEY (order_id, line)
);

CREATE INDEX order_lines_by_position ON order_lines (sku, location_id);
