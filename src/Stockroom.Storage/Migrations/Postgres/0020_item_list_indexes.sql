-- The admin items list pages 100,000 SKUs and more by last update with a keyset: an index that lets a
-- page be read in order. (Variants are found by items_by_parent, from 0019.)
CREATE INDEX items_by_updated ON items (updated_at, sku);
