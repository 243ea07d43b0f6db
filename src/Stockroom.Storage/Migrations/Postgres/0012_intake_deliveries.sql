-- Every delivery to POST /v1/intake/{format}, one row per order of a list payload, whatever
-- became of it: taken, replayed, cancelled, nothing owed, partly mapped, refused or retired.
-- Written in a small write of its own after the order's, so that a refusal is kept even though
-- nothing else is written; it never touches positions or the ledger.
CREATE TABLE intake_deliveries (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                   TIMESTAMPTZ NOT NULL,
    channel_id           TEXT COLLATE "C" NOT NULL,
    format               TEXT NOT NULL,
    marketplace_order_id TEXT COLLATE "C",
    order_id             TEXT COLLATE "C",
    outcome              TEXT NOT NULL,
    status               INTEGER NOT NULL,
    reason               TEXT
);

CREATE INDEX intake_deliveries_by_channel ON intake_deliveries (channel_id, id);
CREATE INDEX intake_deliveries_by_outcome ON intake_deliveries (outcome, id);
