-- Intercity travel discount cards: one in force a person, issued to persons
-- with a current severe or very severe assessment, valid a year and never
-- beyond the assessment; revoked (never deleted) when it lapses, the person is
-- reassessed below severe, dies or is merged away. The printed number is the
-- id with a check digit.
CREATE TABLE travel_cards (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    province_id   INTEGER NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES org_units(id),
    issued_on     TEXT NOT NULL,
    valid_until   TEXT NOT NULL,
    issued_by     INTEGER NOT NULL REFERENCES users(id),
    issued_at     INTEGER NOT NULL,
    revoked_on    TEXT,
    revoke_reason TEXT CHECK (revoke_reason IN ('expired', 'reassessed', 'deceased', 'merged'))
);
CREATE UNIQUE INDEX travel_cards__person ON travel_cards(person_id) WHERE revoked_on IS NULL;
CREATE INDEX travel_cards_unit ON travel_cards(unit_id);
