-- Every change of on-hand and of an order's allocation, with the moment Stockroom recorded it.
-- A count is the truth as of its own time: the movements recorded after that time are applied
-- on top of it, so a late count never puts back units shipped or written off since. Counts are
-- journalled too (kind 'counted') but never replayed onto another count.
CREATE TABLE stock_movements (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         TEXT COLLATE "C" NOT NULL,
    location_id TEXT COLLATE "C" NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('counted', 'adjusted', 'shipped', 'cancelled', 'returned', 'transferredOut', 'transferredIn')),
    reference   TEXT,
    order_id    TEXT,
    on_hand     BIGINT NOT NULL,
    allocated   BIGINT NOT NULL
);

CREATE INDEX stock_movements_by_position ON stock_movements (sku, location_id, at);

-- Inbound lots belong to whoever made them: a snapshot replaces only its own source's lots.
-- NULL is Stockroom's own (transfers, and adjustments that name no source); '*' marks lots from
-- before ownership was kept, which any snapshot of their type still replaces. snapshot_id lets a
-- snapshot sent in several requests replace each lot set once, not once per request.
ALTER TABLE inbound_supply ADD COLUMN source TEXT COLLATE "C";
ALTER TABLE inbound_supply ADD COLUMN snapshot_id TEXT;
UPDATE inbound_supply SET source = '*'
WHERE NOT EXISTS (
    SELECT 1 FROM transfers t
    WHERE t.id = inbound_supply.reference AND t.to_location = inbound_supply.location_id AND inbound_supply.type = 'inTransit');

-- Orders ship and cancel line by line: what is still allocated is quantity − shipped − cancelled.
ALTER TABLE order_lines ADD COLUMN shipped BIGINT NOT NULL DEFAULT 0 CHECK (shipped >= 0);
ALTER TABLE order_lines ADD COLUMN cancelled BIGINT NOT NULL DEFAULT 0 CHECK (cancelled >= 0);
UPDATE order_lines SET shipped = quantity
WHERE order_id IN (SELECT id FROM orders WHERE status IN ('shipped', 'returned'));
UPDATE order_lines SET cancelled = quantity
WHERE order_id IN (SELECT id FROM orders WHERE status = 'cancelled');

DROP INDEX orders_open_by_creation;
CREATE INDEX orders_open_by_creation ON orders (created_at)
    WHERE status IN ('allocated', 'picked', 'packed', 'partiallyShipped');
