-- Employment: the quota exam (rounds, agencies' posts, candidates with their
-- ranked posts and scores, the placement, objections), employment records, and
-- the CSR fund (firms, declarations, receipts, projects and their spending),
-- whose money is posted to the ledger.

-- The ledger takes the CSR fund's entries and accounts. (SQLite changes a CHECK
-- by building the table again: the postings first, since they name the entries.)
CREATE TABLE ledger_entries_new (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('appropriated', 'entitled', 'paid', 'csr_declared', 'csr_received',
                   'csr_spent')),
    cycle_id   INTEGER REFERENCES payment_cycles(id),
    memo       TEXT NOT NULL,
    posted_at  INTEGER NOT NULL,
    posted_by  INTEGER NOT NULL
);
INSERT INTO ledger_entries_new (id, kind, cycle_id, memo, posted_at, posted_by)
SELECT id, kind, cycle_id, memo, posted_at, posted_by FROM ledger_entries;
CREATE TABLE ledger_postings_new (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries_new(id),
    account     TEXT NOT NULL CHECK (account IN ('appropriation', 'program_expense', 'beneficiary_payable',
                    'deductions_payable', 'bank_clearing', 'csr_receivable', 'csr_fund', 'csr_project_expense')),
    program_id  INTEGER,
    province_id INTEGER,
    month       INTEGER,
    rials       INTEGER NOT NULL CHECK (rials <> 0)
);
INSERT INTO ledger_postings_new (id, entry_id, account, program_id, province_id, month, rials)
SELECT id, entry_id, account, program_id, province_id, month, rials FROM ledger_postings;
DROP TABLE ledger_postings;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;
ALTER TABLE ledger_postings_new RENAME TO ledger_postings;
CREATE INDEX ledger_postings_entry ON ledger_postings(entry_id);
CREATE INDEX ledger_postings_account ON ledger_postings(account, program_id, month);

CREATE TABLE employment_agencies (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    province_id INTEGER,
    staff       INTEGER NOT NULL CHECK (staff >= 0),
    created_at  INTEGER NOT NULL,
    created_by  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE exam_rounds (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    unit_id         INTEGER NOT NULL REFERENCES org_units(id),
    state           TEXT NOT NULL CHECK (state IN ('open', 'placed', 'published', 'closed')),
    placed_at       INTEGER,
    published_on    TEXT,
    objection_until TEXT,
    created_at      INTEGER NOT NULL,
    created_by      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE exam_posts (
    id        INTEGER PRIMARY KEY,
    round_id  INTEGER NOT NULL REFERENCES exam_rounds(id),
    agency_id INTEGER NOT NULL REFERENCES employment_agencies(id),
    job_title TEXT NOT NULL,
    seats     INTEGER NOT NULL CHECK (seats > 0),
    education TEXT NOT NULL,
    kinds     TEXT NOT NULL,
    CONSTRAINT exam_posts__title UNIQUE (round_id, agency_id, job_title)
);

CREATE TABLE exam_candidates (
    id            INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL REFERENCES exam_rounds(id),
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    province_id   INTEGER NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES org_units(id),
    score         INTEGER CHECK (score BETWEEN 0 AND 10000),
    outcome       TEXT NOT NULL DEFAULT 'pending'
                  CHECK (outcome IN ('pending', 'placed', 'not_placed', 'no_score', 'no_assessment')),
    placed_post_id INTEGER REFERENCES exam_posts(id),
    registered_at INTEGER NOT NULL,
    registered_by INTEGER NOT NULL,
    CONSTRAINT exam_candidates__person UNIQUE (round_id, person_id)
);
CREATE INDEX exam_candidates_post ON exam_candidates(placed_post_id);

CREATE TABLE exam_preferences (
    candidate_id INTEGER NOT NULL REFERENCES exam_candidates(id),
    rank         INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 10),
    post_id      INTEGER NOT NULL REFERENCES exam_posts(id),
    PRIMARY KEY (candidate_id, rank),
    CONSTRAINT exam_preferences__post UNIQUE (candidate_id, post_id)
);

CREATE TABLE exam_objections (
    id              INTEGER PRIMARY KEY,
    candidate_id    INTEGER NOT NULL UNIQUE REFERENCES exam_candidates(id),
    grounds         TEXT NOT NULL,
    lodged_at       INTEGER NOT NULL,
    lodged_by       INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('lodged', 'upheld', 'dismissed')),
    reasons         TEXT,
    legal_basis     TEXT,
    corrected_score INTEGER,
    decided_at      INTEGER,
    decided_by      INTEGER,
    decided_on      TEXT
);

-- Who started work where, and how: what the planning centre counts as exits into work.
CREATE TABLE job_records (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    province_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL REFERENCES org_units(id),
    agency_id    INTEGER REFERENCES employment_agencies(id),
    employer     TEXT,
    started_on   TEXT NOT NULL,
    route        TEXT NOT NULL CHECK (route IN ('quota_exam', 'employment_support', 'csr_workshop', 'other')),
    candidate_id INTEGER UNIQUE REFERENCES exam_candidates(id),
    recorded_at  INTEGER NOT NULL,
    recorded_by  INTEGER NOT NULL,
    CHECK (agency_id IS NOT NULL OR employer IS NOT NULL)
);
CREATE INDEX job_records_agency ON job_records(agency_id);
CREATE INDEX job_records_person ON job_records(person_id);

CREATE TABLE csr_firms (
    id          INTEGER PRIMARY KEY,
    national_id TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    province_id INTEGER,
    created_at  INTEGER NOT NULL,
    created_by  INTEGER NOT NULL
);

CREATE TABLE csr_declarations (
    id          INTEGER PRIMARY KEY,
    firm_id     INTEGER NOT NULL REFERENCES csr_firms(id),
    year        INTEGER NOT NULL,
    profit      INTEGER NOT NULL CHECK (profit > 0),
    csr_amount  INTEGER NOT NULL,
    share       INTEGER NOT NULL,
    entry_id    INTEGER REFERENCES ledger_entries(id),
    declared_at INTEGER NOT NULL,
    declared_by INTEGER NOT NULL,
    CONSTRAINT csr_declarations__year UNIQUE (firm_id, year)
);

CREATE TABLE csr_receipts (
    id          INTEGER PRIMARY KEY,
    firm_id     INTEGER NOT NULL REFERENCES csr_firms(id),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    received_on TEXT NOT NULL,
    memo        TEXT NOT NULL,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries(id),
    posted_at   INTEGER NOT NULL,
    posted_by   INTEGER NOT NULL
);
CREATE INDEX csr_receipts_firm ON csr_receipts(firm_id);

CREATE TABLE csr_projects (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('housing', 'rehabilitation_centre', 'employment_workshop')),
    title       TEXT NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    province_id INTEGER,
    budget      INTEGER NOT NULL CHECK (budget > 0),
    created_at  INTEGER NOT NULL,
    created_by  INTEGER NOT NULL
);

CREATE TABLE csr_spending (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES csr_projects(id),
    amount     INTEGER NOT NULL CHECK (amount > 0),
    spent_on   TEXT NOT NULL,
    memo       TEXT NOT NULL,
    entry_id   INTEGER NOT NULL REFERENCES ledger_entries(id),
    posted_at  INTEGER NOT NULL,
    posted_by  INTEGER NOT NULL
);
CREATE INDEX csr_spending_project ON csr_spending(project_id);
