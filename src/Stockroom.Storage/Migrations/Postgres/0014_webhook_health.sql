-- A subscription's run of failed attempts (reset by any success) and, once the run is too long,
-- when and why it was disabled. A disabled subscription gets no deliveries until enabled again.
ALTER TABLE webhooks ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN failing_since TIMESTAMPTZ NULL;
ALTER TABLE webhooks ADD COLUMN disabled_at TIMESTAMPTZ NULL;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT NULL;
