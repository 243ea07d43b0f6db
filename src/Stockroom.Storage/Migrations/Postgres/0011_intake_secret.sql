-- The secret a marketplace signs its deliveries to this channel with (Shopify's webhook HMAC key).
-- Kept as given, since verifying an HMAC takes the secret itself; never read back by the API,
-- which answers only whether one is set.
ALTER TABLE channels ADD COLUMN intake_secret TEXT NULL;
