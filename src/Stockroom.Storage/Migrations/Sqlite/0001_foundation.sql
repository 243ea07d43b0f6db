-- Money is TEXT so that the exact decimal survives; SQLite's NUMERIC would turn it into a float.
CREATE TABLE items (
    sku                   TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    description           TEXT,
    status                TEXT NOT NULL CHECK (status IN ('active', 'draft', 'discontinued')),
    policy                TEXT NOT NULL CHECK (policy IN ('reserve', 'onRequest', 'auto')),
    accept_within_seconds INTEGER,
    backorderable         INTEGER NOT NULL DEFAULT 0,
    parent_sku            TEXT REFERENCES items (sku),
    attributes            TEXT,
    price                 TEXT,
    unit_cost             TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE locations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('store', 'warehouse', 'dc', 'supplier')),
    can_ship   INTEGER NOT NULL,
    can_pickup INTEGER NOT NULL,
    latitude   REAL,
    longitude  REAL,
    priority   INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE distribution_groups (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE group_locations (
    group_id    TEXT NOT NULL REFERENCES distribution_groups (id) ON DELETE CASCADE,
    location_id TEXT NOT NULL REFERENCES locations (id),
    PRIMARY KEY (group_id, location_id)
) WITHOUT ROWID;

CREATE TABLE channels (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    group_id                TEXT NOT NULL REFERENCES distribution_groups (id),
    buffer_percent          TEXT,
    buffer_units            INTEGER,
    reservation_ttl_seconds INTEGER,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
) WITHOUT ROWID;

-- The counters of a position are never negative: the last line of defence under the
-- application's own checks.
CREATE TABLE positions (
    sku         TEXT NOT NULL REFERENCES items (sku),
    location_id TEXT NOT NULL REFERENCES locations (id),
    on_hand     INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved    INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    allocated   INTEGER NOT NULL DEFAULT 0 CHECK (allocated >= 0),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (sku, location_id)
) WITHOUT ROWID;

CREATE INDEX positions_by_location ON positions (location_id, sku);

CREATE TABLE inbound_supply (
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('inTransit', 'purchaseOrder')),
    reference   TEXT NOT NULL DEFAULT '',
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    eta         TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (sku, location_id, type, reference),
    FOREIGN KEY (sku, location_id) REFERENCES positions (sku, location_id)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

-- The ledger. The head row holds the last sequence and hash, so that appending never has to
-- search the events table; data is the exact JSON text the hash covers.
CREATE TABLE ledger_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    sequence INTEGER NOT NULL,
    hash     TEXT NOT NULL
);

INSERT INTO ledger_head (id, sequence, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE events (
    sequence      INTEGER PRIMARY KEY,
    type          TEXT NOT NULL,
    at            TEXT NOT NULL,
    data          TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash          TEXT NOT NULL
);

CREATE INDEX events_by_type ON events (type, sequence);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event ledger is append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event ledger is append-only');
END;
