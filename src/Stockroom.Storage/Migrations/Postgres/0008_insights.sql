-- Demand history: units shipped, and units refused for want of stock (lost demand), per SKU,
-- location and UTC day. Written in the transaction of the shipment or refusal that causes them.
-- Lost demand asked of a group or channel rather than one location is kept under location ''.
CREATE TABLE demand_days (
    sku         TEXT COLLATE "C" NOT NULL,
    location_id TEXT COLLATE "C" NOT NULL,
    day         DATE NOT NULL,
    shipped     BIGINT NOT NULL DEFAULT 0 CHECK (shipped >= 0),
    lost        BIGINT NOT NULL DEFAULT 0 CHECK (lost >= 0),
    PRIMARY KEY (sku, location_id, day)
);

CREATE INDEX demand_days_by_location ON demand_days (location_id, day);

-- Weighted average cost per SKU, exact: NUMERIC without a scale keeps every digit of an average.
CREATE TABLE sku_costs (
    sku          TEXT COLLATE "C" PRIMARY KEY,
    quantity     BIGINT NOT NULL CHECK (quantity >= 0),
    value        NUMERIC NOT NULL CHECK (value >= 0),
    average_cost NUMERIC NOT NULL CHECK (average_cost >= 0),
    cogs         NUMERIC NOT NULL CHECK (cogs >= 0),
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Stock moving between locations: on-hand left `from_location` and travels as in-transit
-- supply (reference = id) to `to_location` until received.
CREATE TABLE transfers (
    id            TEXT COLLATE "C" PRIMARY KEY,
    from_location TEXT COLLATE "C" NOT NULL REFERENCES locations (id),
    to_location   TEXT COLLATE "C" NOT NULL REFERENCES locations (id),
    eta           DATE,
    status        TEXT NOT NULL CHECK (status IN ('inTransit', 'received')),
    lines         TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    received_at   TIMESTAMPTZ
);
