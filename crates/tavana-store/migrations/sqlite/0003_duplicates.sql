-- Likely duplicates of persons, found by rules and decided by a case worker: merged
-- (reversibly) or dismissed. A merged person points at the one kept.

ALTER TABLE persons ADD COLUMN merged_into INTEGER REFERENCES persons(id);

CREATE TABLE duplicate_candidates (
    id          INTEGER PRIMARY KEY,
    person_a    INTEGER NOT NULL REFERENCES persons(id),
    person_b    INTEGER NOT NULL REFERENCES persons(id),
    -- same_name_father_birth, same_phone or same_sheba
    rule        TEXT NOT NULL,
    province_id INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    -- open, merged or dismissed
    status      TEXT NOT NULL,
    found_at    INTEGER NOT NULL,
    decided_by  INTEGER REFERENCES users(id),
    decided_at  INTEGER,
    reason      TEXT,
    CONSTRAINT duplicate_candidates__pair UNIQUE (person_a, person_b, rule)
);
CREATE INDEX duplicate_candidates_open ON duplicate_candidates(status, unit_id);

-- What a merge moved, so it can be undone.
CREATE TABLE merges (
    id                  INTEGER PRIMARY KEY,
    candidate_id        INTEGER NOT NULL REFERENCES duplicate_candidates(id),
    survivor_id         INTEGER NOT NULL REFERENCES persons(id),
    merged_id           INTEGER NOT NULL REFERENCES persons(id),
    moved_disabilities  TEXT NOT NULL,
    merged_by           INTEGER NOT NULL,
    merged_at           INTEGER NOT NULL,
    reverted_by         INTEGER,
    reverted_at         INTEGER
);
CREATE INDEX merges_candidate ON merges(candidate_id);
