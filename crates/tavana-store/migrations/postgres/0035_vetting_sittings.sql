-- A sitting: a file opened for a stated reason stays open to its reader for a
-- short while (each read still logged with that reason), never past the grant.
CREATE TABLE vetting_sittings (
    id        BIGSERIAL PRIMARY KEY,
    case_id   BIGINT NOT NULL REFERENCES vetting_cases(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    reason    TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    until     BIGINT NOT NULL
);
CREATE INDEX vetting_sittings_case ON vetting_sittings(case_id, user_id, until);
