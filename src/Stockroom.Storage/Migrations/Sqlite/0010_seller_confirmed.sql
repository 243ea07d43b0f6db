-- Units of an order line promised on the seller's word (an on-request hold accepted without the
-- counted stock). They are part of `quantity` but allocated at no position, and shipping them
-- takes nothing off on-hand.
ALTER TABLE order_lines ADD COLUMN seller_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (seller_confirmed >= 0 AND seller_confirmed <= quantity);
