-- The marketplace's version of each order intake has seen (Shopify updated_at, Amazon
-- LastUpdateDate or EventTime, Walmart's latest line status date): a delivery older than the one
-- applied changes nothing. Kept even for an order that owed nothing when it came, so that an older
-- version arriving after its cancellation does not take it. shipped_before is the units per SKU
-- the marketplace had shipped when Stockroom took the order (JSON): never Stockroom's to ship, so
-- later versions' shipped counts are compared without them.
CREATE TABLE intake_orders (
    order_id       TEXT NOT NULL PRIMARY KEY,
    version        TEXT NULL,
    shipped_before TEXT NULL,
    updated_at     TEXT NOT NULL
);

-- Shopify refunds applied to an order: a refund is not a version of the order but a change to it,
-- so it is applied once by its own id.
CREATE TABLE intake_refunds (
    order_id       TEXT NOT NULL,
    refund_id  TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (order_id, refund_id)
);

-- A channel's listings: the marketplace's id of what it sells (variant id, ASIN, seller SKU, GTIN)
-- and the Stockroom SKU it is, consulted before the SKU a marketplace line names.
CREATE TABLE channel_listings (
    channel_id  TEXT NOT NULL,
    external_id TEXT NOT NULL,
    sku         TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (channel_id, external_id)
);

-- What intake does with an order line whose SKU it cannot map: 'skip' holds the other lines and
-- marks it, 'refuse' refuses the whole order.
ALTER TABLE channels ADD COLUMN intake_unknown_skus TEXT NOT NULL DEFAULT 'skip';
