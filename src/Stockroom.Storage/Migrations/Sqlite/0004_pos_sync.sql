-- The time of the last snapshot applied per source and location: an older one arriving late is
-- refused rather than put stock back that has since been sold.
CREATE TABLE supply_watermarks (
    source      TEXT NOT NULL,
    location_id TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (source, location_id)
);

-- Open orders not yet acknowledged by the POS or ERP, oldest first, for the allocation monitor.
CREATE INDEX orders_open_by_creation ON orders (created_at)
    WHERE status IN ('allocated', 'picked', 'packed');
