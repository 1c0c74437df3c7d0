-- Employment: the quota exam (rounds, agencies' posts, candidates with their
-- ranked posts and scores, the placement, objections), employment records, and
-- the CSR fund (firms, declarations, receipts, projects and their spending),
-- whose money is posted to the ledger.

-- The ledger takes the CSR fund's entries and accounts.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
    CHECK (kind IN ('appropriated', 'entitled', 'paid', 'csr_declared', 'csr_received', 'csr_spent'));
ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_account_check;
ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_account_check
    CHECK (account IN ('appropriation', 'program_expense', 'beneficiary_payable', 'deductions_payable', 'bank_clearing',
        'csr_receivable', 'csr_fund', 'csr_project_expense'));

CREATE TABLE employment_agencies (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES org_units(id),
    province_id BIGINT,
    staff       BIGINT NOT NULL CHECK (staff >= 0),
    created_at  BIGINT NOT NULL,
    created_by  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE exam_rounds (
    id              BIGSERIAL PRIMARY KEY,
    title           TEXT NOT NULL,
    unit_id         BIGINT NOT NULL REFERENCES org_units(id),
    state           TEXT NOT NULL CHECK (state IN ('open', 'placed', 'published', 'closed')),
    placed_at       BIGINT,
    published_on    TEXT,
    objection_until TEXT,
    created_at      BIGINT NOT NULL,
    created_by      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE exam_posts (
    id        BIGSERIAL PRIMARY KEY,
    round_id  BIGINT NOT NULL REFERENCES exam_rounds(id),
    agency_id BIGINT NOT NULL REFERENCES employment_agencies(id),
    job_title TEXT NOT NULL,
    seats     BIGINT NOT NULL CHECK (seats > 0),
    education TEXT NOT NULL,
    kinds     TEXT NOT NULL,
    CONSTRAINT exam_posts__title UNIQUE (round_id, agency_id, job_title)
);

CREATE TABLE exam_candidates (
    id            BIGSERIAL PRIMARY KEY,
    round_id      BIGINT NOT NULL REFERENCES exam_rounds(id),
    person_id     BIGINT NOT NULL REFERENCES persons(id),
    province_id   BIGINT NOT NULL,
    unit_id       BIGINT NOT NULL REFERENCES org_units(id),
    score         BIGINT CHECK (score BETWEEN 0 AND 10000),
    outcome       TEXT NOT NULL DEFAULT 'pending'
                  CHECK (outcome IN ('pending', 'placed', 'not_placed', 'no_score', 'no_assessment')),
    placed_post_id BIGINT REFERENCES exam_posts(id),
    registered_at BIGINT NOT NULL,
    registered_by BIGINT NOT NULL,
    CONSTRAINT exam_candidates__person UNIQUE (round_id, person_id)
);
CREATE INDEX exam_candidates_post ON exam_candidates(placed_post_id);

CREATE TABLE exam_preferences (
    candidate_id BIGINT NOT NULL REFERENCES exam_candidates(id),
    rank         BIGINT NOT NULL CHECK (rank BETWEEN 1 AND 10),
    post_id      BIGINT NOT NULL REFERENCES exam_posts(id),
    PRIMARY KEY (candidate_id, rank),
    CONSTRAINT exam_preferences__post UNIQUE (candidate_id, post_id)
);

CREATE TABLE exam_objections (
    id              BIGSERIAL PRIMARY KEY,
    candidate_id    BIGINT NOT NULL UNIQUE REFERENCES exam_candidates(id),
    grounds         TEXT NOT NULL,
    lodged_at       BIGINT NOT NULL,
    lodged_by       BIGINT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('lodged', 'upheld', 'dismissed')),
    reasons         TEXT,
    legal_basis     TEXT,
    corrected_score BIGINT,
    decided_at      BIGINT,
    decided_by      BIGINT,
    decided_on      TEXT
);

-- Who started work where, and how: what the planning centre counts as exits into work.
CREATE TABLE job_records (
    id           BIGSERIAL PRIMARY KEY,
    person_id    BIGINT NOT NULL REFERENCES persons(id),
    province_id  BIGINT NOT NULL,
    unit_id      BIGINT NOT NULL REFERENCES org_units(id),
    agency_id    BIGINT REFERENCES employment_agencies(id),
    employer     TEXT,
    started_on   TEXT NOT NULL,
    route        TEXT NOT NULL CHECK (route IN ('quota_exam', 'employment_support', 'csr_workshop', 'other')),
    candidate_id BIGINT UNIQUE REFERENCES exam_candidates(id),
    recorded_at  BIGINT NOT NULL,
    recorded_by  BIGINT NOT NULL,
    CHECK (agency_id IS NOT NULL OR employer IS NOT NULL)
);
CREATE INDEX job_records_agency ON job_records(agency_id);
CREATE INDEX job_records_person ON job_records(person_id);

CREATE TABLE csr_firms (
    id          BIGSERIAL PRIMARY KEY,
    national_id TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES org_units(id),
    province_id BIGINT,
    created_at  BIGINT NOT NULL,
    created_by  BIGINT NOT NULL
);

CREATE TABLE csr_declarations (
    id          BIGSERIAL PRIMARY KEY,
    firm_id     BIGINT NOT NULL REFERENCES csr_firms(id),
    year        BIGINT NOT NULL,
    profit      BIGINT NOT NULL CHECK (profit > 0),
    csr_amount  BIGINT NOT NULL,
    share       BIGINT NOT NULL,
    entry_id    BIGINT REFERENCES ledger_entries(id),
    declared_at BIGINT NOT NULL,
    declared_by BIGINT NOT NULL,
    CONSTRAINT csr_declarations__year UNIQUE (firm_id, year)
);

CREATE TABLE csr_receipts (
    id          BIGSERIAL PRIMARY KEY,
    firm_id     BIGINT NOT NULL REFERENCES csr_firms(id),
    amount      BIGINT NOT NULL CHECK (amount > 0),
    received_on TEXT NOT NULL,
    memo        TEXT NOT NULL,
    entry_id    BIGINT NOT NULL REFERENCES ledger_entries(id),
    posted_at   BIGINT NOT NULL,
    posted_by   BIGINT NOT NULL
);
CREATE INDEX csr_receipts_firm ON csr_receipts(firm_id);

CREATE TABLE csr_projects (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('housing', 'rehabilitation_centre', 'employment_workshop')),
    title       TEXT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES org_units(id),
    province_id BIGINT,
    budget      BIGINT NOT NULL CHECK (budget > 0),
    created_at  BIGINT NOT NULL,
    created_by  BIGINT NOT NULL
);

CREATE TABLE csr_spending (
    id         BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES csr_projects(id),
    amount     BIGINT NOT NULL CHECK (amount > 0),
    spent_on   TEXT NOT NULL,
    memo       TEXT NOT NULL,
    entry_id   BIGINT NOT NULL REFERENCES ledger_entries(id),
    posted_at  BIGINT NOT NULL,
    posted_by  BIGINT NOT NULL
);
CREATE INDEX csr_spending_project ON csr_spending(project_id);
