-- The time of the last snapshot applied per source and location: an older one arriving late is
-- refused rather than put stock back that has since been sold.
CREATE TABLE supply_watermarks (
    source      TEXT COLLATE "C" NOT NULL,
    location_id TEXT COLLATE "C" NOT NULL,
    as_of       TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, location_id)
);

-- Open orders not yet acknowledged by the POS or ERP, oldest first, for the allocation monitor.
CREATE INDEX orders_open_by_creation ON orders (created_at)
    WHERE status IN ('allocated', 'picked', 'packed');
