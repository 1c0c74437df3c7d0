-- The key an audit entry is signed with (HMAC-SHA256); unkeyed entries, made
-- before the chain was keyed, have none.
ALTER TABLE audit_log ADD COLUMN key_id INTEGER;
