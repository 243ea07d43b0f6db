-- What a channel's connector last set (or read) at a marketplace location for an item: for Shopify, the
-- compareQuantity of its next inventorySetQuantities. Kept here rather than in a process's memory, so
-- that a restarted process, or another one over the same store, still compares against what Stockroom
-- last set, and a change made in the marketplace meanwhile is seen rather than overwritten blindly.
CREATE TABLE connector_quantities_set (
    channel_id  TEXT NOT NULL,
    location_id TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    set_at      TEXT NOT NULL,
    PRIMARY KEY (channel_id, location_id, item_id)
);
