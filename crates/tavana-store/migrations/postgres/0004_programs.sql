-- Programs with their eligibility rule and benefit formula (both in the rule
-- language), enrollments of persons in them, and the decision behind every change
-- of an enrollment.

CREATE TABLE programs (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL,
    name_fa         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('cash_benefit', 'discount', 'loan', 'service')),
    target          TEXT NOT NULL CHECK (target IN ('person', 'household')),
    rule            TEXT NOT NULL,
    formula         TEXT NOT NULL,
    budget_month    BIGINT,
    budget_year     BIGINT,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'active', 'closed')),
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    updated_by      BIGINT,
    updated_unit_id BIGINT,
    change_reason   TEXT NOT NULL,
    CONSTRAINT programs__code UNIQUE (code)
);

CREATE TABLE enrollments (
    id            BIGSERIAL PRIMARY KEY,
    program_id    BIGINT NOT NULL REFERENCES programs(id),
    person_id     BIGINT NOT NULL REFERENCES persons(id),
    province_id   BIGINT NOT NULL,
    unit_id       BIGINT NOT NULL REFERENCES org_units(id),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'enrolled', 'paused', 'exited', 'not_eligible', 'duplicate')),
    amount_rials  BIGINT,
    version       BIGINT NOT NULL DEFAULT 1,
    updated_at    BIGINT NOT NULL,
    updated_by    BIGINT,
    CONSTRAINT enrollments__person UNIQUE (program_id, person_id)
);
CREATE INDEX enrollments_state ON enrollments(program_id, state);

-- A decision that changed an enrollment: a quasi-judicial record.
CREATE TABLE decisions (
    id            BIGSERIAL PRIMARY KEY,
    enrollment_id BIGINT NOT NULL REFERENCES enrollments(id),
    program_id    BIGINT NOT NULL,
    person_id     BIGINT NOT NULL,
    province_id   BIGINT NOT NULL,
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    reasons       TEXT NOT NULL,
    legal_basis   TEXT NOT NULL,
    decided_by    BIGINT NOT NULL,
    decided_at    BIGINT NOT NULL,
    appeal_until  TEXT NOT NULL
);
CREATE INDEX decisions_enrollment ON decisions(enrollment_id);

-- Enrollments a registry change may have ended: flagged for an officer, never
-- changed by themselves.
CREATE TABLE enrollment_reviews (
    id            BIGSERIAL PRIMARY KEY,
    enrollment_id BIGINT NOT NULL REFERENCES enrollments(id),
    program_id    BIGINT NOT NULL,
    person_id     BIGINT NOT NULL,
    unit_id       BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    flagged_at    BIGINT NOT NULL,
    resolved_at   BIGINT
);
CREATE INDEX enrollment_reviews_open ON enrollment_reviews(program_id, resolved_at);
