-- Reservations keep their lines (with the positions each line holds units at) as JSON beside
-- a row per line for queries by SKU; the counters on positions are the sum of these holds.
CREATE TABLE reservations (
    id              TEXT COLLATE "C" PRIMARY KEY,
    channel_id      TEXT COLLATE "C" NOT NULL,
    customer_id     TEXT,
    priority        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    allow_partial   BOOLEAN NOT NULL,
    allow_backorder BOOLEAN NOT NULL,
    request_hash    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    order_id        TEXT COLLATE "C",
    lines           TEXT NOT NULL
);

-- The expiry sweep reads only open holds, oldest deadline first.
CREATE INDEX reservations_open_by_expiry ON reservations (expires_at)
    WHERE status IN ('pending', 'active', 'partial', 'backordered');
CREATE INDEX reservations_by_status ON reservations (status, id);

CREATE TABLE reservation_lines (
    reservation_id TEXT COLLATE "C" NOT NULL REFERENCES reservations (id),
    line           INTEGER NOT NULL,
    sku            TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (reservation_id, line)
);

CREATE INDEX reservation_lines_by_sku ON reservation_lines (sku, reservation_id);

CREATE TABLE orders (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    channel_id          TEXT COLLATE "C" NOT NULL,
    reservation_id      TEXT COLLATE "C",
    status              TEXT NOT NULL,
    request_hash        TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    sent_to_pos_at      TIMESTAMPTZ,
    pos_acknowledged_at TIMESTAMPTZ,
    tracking_number     TEXT
);

CREATE TABLE order_lines (
    order_id    TEXT COLLATE "C" NOT NULL REFERENCES orders (id),
    line        INTEGER NOT NULL,
    sku         TEXT COLLATE "C" NOT NULL,
    location_id TEXT COLLATE "C" NOT NULL,
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    returned    BIGINT NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= quantity),
    PRIMARY KEY (order_id, line)
);

CREATE INDEX order_lines_by_position ON order_lines (sku, location_id);
