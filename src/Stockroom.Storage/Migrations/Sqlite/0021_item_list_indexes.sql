-- The admin items list pages 100,000 SKUs and more by last update with a keyset, and counts each
-- page's variants: indexes that let a page be read in order and the variants be found without a scan.
CREATE INDEX items_by_updated ON items (updated_at, sku);
CREATE INDEX items_by_parent ON items (parent_sku);
