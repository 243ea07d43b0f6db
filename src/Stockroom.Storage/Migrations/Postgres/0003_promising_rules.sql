-- Demand waiting for supply, counted where it will be filled; arriving units go to it first.
ALTER TABLE positions ADD COLUMN backordered BIGINT NOT NULL DEFAULT 0 CHECK (backordered >= 0);

-- Days from a location to the customer's door: promise dates are today (or an ETA) plus this.
ALTER TABLE locations ADD COLUMN lead_time_days INTEGER;

-- Until when an on-request hold waits for the seller's answer.
ALTER TABLE reservations ADD COLUMN accept_by TIMESTAMPTZ;

-- The empty string stands for "any", so that the three selectors form one primary key.
CREATE TABLE safety_stock_rules (
    sku          TEXT COLLATE "C" NOT NULL DEFAULT '',
    location_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    group_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
    units        BIGINT,
    percent      NUMERIC(9, 4),
    vip_priority INTEGER,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sku, location_id, group_id),
    CHECK ((units IS NULL) <> (percent IS NULL))
);

CREATE INDEX group_locations_by_location ON group_locations (location_id, group_id);

-- Arrival order of reservations, for "oldest first" among holds made in the same instant (one
-- batch shares its commit time). SQLite's rowid serves the same purpose there.
ALTER TABLE reservations ADD COLUMN arrival BIGINT GENERATED ALWAYS AS IDENTITY;
