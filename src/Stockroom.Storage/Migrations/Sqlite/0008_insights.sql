-- Demand history: units shipped, and units refused for want of stock (lost demand), per SKU,
-- location and UTC day. Written in the transaction of the shipment or refusal that causes them.
-- Lost demand asked of a group or channel rather than one location is kept under location ''.
CREATE TABLE demand_days (
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL,
    day         TEXT NOT NULL,
    shipped     INTEGER NOT NULL DEFAULT 0 CHECK (shipped >= 0),
    lost        INTEGER NOT NULL DEFAULT 0 CHECK (lost >= 0),
    PRIMARY KEY (sku, location_id, day)
) WITHOUT ROWID;

CREATE INDEX demand_days_by_location ON demand_days (location_id, day);

-- Weighted average cost per SKU. Money is kept as decimal text: SQLite's numeric affinity
-- would turn it into binary floating point.
CREATE TABLE sku_costs (
    sku          TEXT PRIMARY KEY,
    quantity     INTEGER NOT NULL CHECK (quantity >= 0),
    value        TEXT NOT NULL,
    average_cost TEXT NOT NULL,
    cogs         TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) WITHOUT ROWID;

-- Stock moving between locations: on-hand left `from_location` and travels as in-transit
-- supply (reference = id) to `to_location` until received.
CREATE TABLE transfers (
    id            TEXT PRIMARY KEY,
    from_location TEXT NOT NULL REFERENCES locations (id),
    to_location   TEXT NOT NULL REFERENCES locations (id),
    eta           TEXT,
    status        TEXT NOT NULL CHECK (status IN ('inTransit', 'received')),
    lines         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    received_at   TEXT
) WITHOUT ROWID;
