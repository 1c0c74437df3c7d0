-- A card's revocation is a decision about its holder: who revoked it (none for
-- the system's sweep) and when, beside the day and the reason.
ALTER TABLE travel_cards ADD COLUMN revoked_by INTEGER REFERENCES users(id);
ALTER TABLE travel_cards ADD COLUMN revoked_at INTEGER;
