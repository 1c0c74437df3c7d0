-- Programs with their eligibility rule and benefit formula (both in the rule
-- language), enrollments of persons in them, and the decision behind every change
-- of an enrollment.

CREATE TABLE programs (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL,
    name_fa         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('cash_benefit', 'discount', 'loan', 'service')),
    target          TEXT NOT NULL CHECK (target IN ('person', 'household')),
    rule            TEXT NOT NULL,
    formula         TEXT NOT NULL,
    budget_month    INTEGER,
    budget_year     INTEGER,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'active', 'closed')),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER,
    updated_unit_id INTEGER,
    change_reason   TEXT NOT NULL,
    CONSTRAINT programs__code UNIQUE (code)
);

CREATE TABLE enrollments (
    id            INTEGER PRIMARY KEY,
    program_id    INTEGER NOT NULL REFERENCES programs(id),
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    province_id   INTEGER NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES org_units(id),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'enrolled', 'paused', 'exited', 'not_eligible', 'duplicate')),
    amount_rials  INTEGER,
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    INTEGER NOT NULL,
    updated_by    INTEGER,
    CONSTRAINT enrollments__person UNIQUE (program_id, person_id)
);
CREATE INDEX enrollments_state ON enrollments(program_id, state);

-- A decision that changed an enrollment: a quasi-judicial record.
CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments(id),
    program_id    INTEGER NOT NULL,
    person_id     INTEGER NOT NULL,
    province_id   INTEGER NOT NULL,
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    reasons       TEXT NOT NULL,
    legal_basis   TEXT NOT NULL,
    decided_by    INTEGER NOT NULL,
    decided_at    INTEGER NOT NULL,
    appeal_until  TEXT NOT NULL
);
CREATE INDEX decisions_enrollment ON decisions(enrollment_id);

-- Enrollments a registry change may have ended: flagged for an officer, never
-- changed by themselves.
CREATE TABLE enrollment_reviews (
    id            INTEGER PRIMARY KEY,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments(id),
    program_id    INTEGER NOT NULL,
    person_id     INTEGER NOT NULL,
    unit_id       INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    flagged_at    INTEGER NOT NULL,
    resolved_at   INTEGER
);
CREATE INDEX enrollment_reviews_open ON enrollment_reviews(program_id, resolved_at);
