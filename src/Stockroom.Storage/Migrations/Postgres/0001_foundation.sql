-- Identifiers use the "C" collation: byte order is the ordinal order the application sorts
-- position keys in, so row locks are always taken in one global order.
CREATE TABLE items (
    sku                   TEXT COLLATE "C" PRIMARY KEY,
    name                  TEXT NOT NULL,
    description           TEXT,
    status                TEXT NOT NULL CHECK (status IN ('active', 'draft', 'discontinued')),
    policy                TEXT NOT NULL CHECK (policy IN ('reserve', 'onRequest', 'auto')),
    accept_within_seconds INTEGER,
    backorderable         BOOLEAN NOT NULL DEFAULT FALSE,
    parent_sku            TEXT COLLATE "C" REFERENCES items (sku),
    attributes            TEXT,
    price                 NUMERIC(19, 4),
    unit_cost             NUMERIC(19, 4),
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);

CREATE TABLE locations (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('store', 'warehouse', 'dc', 'supplier')),
    can_ship   BOOLEAN NOT NULL,
    can_pickup BOOLEAN NOT NULL,
    latitude   DOUBLE PRECISION,
    longitude  DOUBLE PRECISION,
    priority   INTEGER NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE distribution_groups (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE group_locations (
    group_id    TEXT COLLATE "C" NOT NULL REFERENCES distribution_groups (id) ON DELETE CASCADE,
    location_id TEXT COLLATE "C" NOT NULL REFERENCES locations (id),
    PRIMARY KEY (group_id, location_id)
);

CREATE TABLE channels (
    id                      TEXT COLLATE "C" PRIMARY KEY,
    name                    TEXT NOT NULL,
    group_id                TEXT COLLATE "C" NOT NULL REFERENCES distribution_groups (id),
    buffer_percent          NUMERIC(9, 4),
    buffer_units            BIGINT,
    reservation_ttl_seconds INTEGER,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);

-- The counters of a position are never negative: the last line of defence under the
-- application's own checks.
CREATE TABLE positions (
    sku         TEXT COLLATE "C" NOT NULL REFERENCES items (sku),
    location_id TEXT COLLATE "C" NOT NULL REFERENCES locations (id),
    on_hand     BIGINT NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved    BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    allocated   BIGINT NOT NULL DEFAULT 0 CHECK (allocated >= 0),
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sku, location_id)
);

CREATE INDEX positions_by_location ON positions (location_id, sku);

CREATE TABLE inbound_supply (
    sku         TEXT COLLATE "C" NOT NULL,
    location_id TEXT COLLATE "C" NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('inTransit', 'purchaseOrder')),
    reference   TEXT COLLATE "C" NOT NULL DEFAULT '',
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    eta         DATE,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sku, location_id, type, reference),
    FOREIGN KEY (sku, location_id) REFERENCES positions (sku, location_id)
);

CREATE TABLE idempotency_keys (
    scope        TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);

-- The ledger. One head row holds the last sequence and hash; a writer locks it just before it
-- commits, so that sequences are gap-free and ordered across every process on the database.
-- Data is TEXT, not JSONB: the hash covers the exact bytes, and JSONB would reorder them.
CREATE TABLE ledger_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    sequence BIGINT NOT NULL,
    hash     TEXT NOT NULL
);

INSERT INTO ledger_head (id, sequence, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE events (
    sequence      BIGINT PRIMARY KEY,
    type          TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    data          TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash          TEXT NOT NULL
);

CREATE INDEX events_by_type ON events (type, sequence);

CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event ledger is append-only';
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
