-- Likely duplicates of persons, found by rules and decided by a case worker: merged
-- (reversibly) or dismissed. A merged person points at the one kept.

ALTER TABLE persons ADD COLUMN merged_into BIGINT REFERENCES persons(id);

CREATE TABLE duplicate_candidates (
    id          BIGSERIAL PRIMARY KEY,
    person_a    BIGINT NOT NULL REFERENCES persons(id),
    person_b    BIGINT NOT NULL REFERENCES persons(id),
    -- same_name_father_birth, same_phone or same_sheba
    rule        TEXT NOT NULL,
    province_id BIGINT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES org_units(id),
    -- open, merged or dismissed
    status      TEXT NOT NULL,
    found_at    BIGINT NOT NULL,
    decided_by  BIGINT REFERENCES users(id),
    decided_at  BIGINT,
    reason      TEXT,
    CONSTRAINT duplicate_candidates__pair UNIQUE (person_a, person_b, rule)
);
CREATE INDEX duplicate_candidates_open ON duplicate_candidates(status, unit_id);

-- What a merge moved, so it can be undone.
CREATE TABLE merges (
    id                  BIGSERIAL PRIMARY KEY,
    candidate_id        BIGINT NOT NULL REFERENCES duplicate_candidates(id),
    survivor_id         BIGINT NOT NULL REFERENCES persons(id),
    merged_id           BIGINT NOT NULL REFERENCES persons(id),
    moved_disabilities  TEXT NOT NULL,
    merged_by           BIGINT NOT NULL,
    merged_at           BIGINT NOT NULL,
    reverted_by         BIGINT,
    reverted_at         BIGINT
);
CREATE INDEX merges_candidate ON merges(candidate_id);
