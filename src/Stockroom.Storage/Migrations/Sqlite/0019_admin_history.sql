-- Each position's changes, as the ledger's positions.changed events carry them, kept by SKU with
-- the sequence of their event: the stock-over-time chart of one SKU reads its own rows instead of
-- scanning the whole ledger. Written in the same transaction as the event, so the two never differ.
-- Nothing is backfilled: a chart walks back from the positions as they stand, so it is exact as far
-- back as these rows go, which is from this migration on.
CREATE TABLE position_history (
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL,
    sequence    INTEGER NOT NULL,
    at          TEXT NOT NULL,
    on_hand     INTEGER NOT NULL,
    reserved    INTEGER NOT NULL,
    allocated   INTEGER NOT NULL,
    backordered INTEGER NOT NULL
);
-- An index, not a key: on PostgreSQL a write appends optimistically, sending these rows with the events
-- in one round trip and undoing both when another process moved the ledger head first. Rows sent under a
-- sequence another process then took must be undone with the rest, not refused as a duplicate key
-- (which would fail the whole write). A committed sequence is the transaction's own, so rows never repeat.
CREATE INDEX position_history_by_sku ON position_history (sku, sequence, location_id);

-- The dashboard counts the holds of the last day by the hour they were made.
CREATE INDEX reservations_by_creation ON reservations (created_at);

-- An item's page lists its variants.
CREATE INDEX items_by_parent ON items (parent_sku);
