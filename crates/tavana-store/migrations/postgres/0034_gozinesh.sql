-- Vetting (gozinesh) cases, held in trust: the subject (name and national code)
-- and every text of the file are encrypted at rest with the vetting key
-- (`*_key` names the key, the BYTEA holds the nonce and the ciphertext), so a
-- copy of the database alone reveals none of them.
CREATE TABLE vetting_cases (
    id           BIGSERIAL PRIMARY KEY,
    unit_id      BIGINT NOT NULL REFERENCES org_units(id),
    kind         TEXT NOT NULL CHECK (kind IN ('applicant', 'candidate', 'renewal')),
    state        TEXT NOT NULL CHECK (state IN ('open', 'decided', 'appealed', 'final')),
    subject_key  BIGINT NOT NULL,
    subject      BYTEA NOT NULL,
    opened_by    BIGINT NOT NULL REFERENCES users(id),
    opened_at    BIGINT NOT NULL,
    verdict      TEXT CHECK (verdict IN ('approved', 'rejected', 'conditional')),
    decision_key BIGINT,
    decision     BYTEA,
    decided_by   BIGINT REFERENCES users(id),
    decided_at   BIGINT,
    appeal_until TEXT,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX vetting_cases_unit ON vetting_cases(unit_id, state);

-- A case's entries: notes, inquiries (with the day they are due), replies,
-- interviews and findings, each encrypted.
CREATE TABLE vetting_entries (
    id       BIGSERIAL PRIMARY KEY,
    case_id  BIGINT NOT NULL REFERENCES vetting_cases(id),
    kind     TEXT NOT NULL CHECK (kind IN ('note', 'inquiry', 'reply', 'interview', 'finding')),
    body_key BIGINT NOT NULL,
    body     BYTEA NOT NULL,
    due_on   TEXT,
    reply_to BIGINT REFERENCES vetting_entries(id),
    by_user  BIGINT NOT NULL REFERENCES users(id),
    at       BIGINT NOT NULL
);
CREATE INDEX vetting_entries_case ON vetting_entries(case_id);
CREATE INDEX vetting_entries_due ON vetting_entries(due_on) WHERE kind = 'inquiry';

-- Need-to-know grants: a case opens to its holder until `expires_at` (unless
-- revoked), and each opening still states its reason in the read log.
CREATE TABLE vetting_grants (
    id         BIGSERIAL PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES vetting_cases(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    granted_by BIGINT NOT NULL REFERENCES users(id),
    reason     TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX vetting_grants_case ON vetting_grants(case_id, user_id);
