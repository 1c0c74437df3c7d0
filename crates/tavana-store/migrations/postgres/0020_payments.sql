-- Payments: a program's monthly cycles, each for an org unit's subtree (HQ: the
-- country; a province office: its province). Computing a cycle freezes what it
-- pays in `payment_lines`: every enrollment in force, its amount from the
-- program's terms in force on the month's first day (with the version, the values
-- read and the formula's result), the account, and why a line is held rather
-- than paid. The bank files are made from the lines (their counts, sums and hashes
-- kept in `payment_files`), returns mark each line paid or failed, and the ledger
-- records every rial in balanced entries.

-- How a program pays: its rounding and the account it pays from.
CREATE TABLE payment_settings (
    program_id    BIGINT PRIMARY KEY REFERENCES programs(id),
    rounding      TEXT NOT NULL CHECK (rounding IN ('rial', 'toman', 'thousand')),
    debtor_name   TEXT NOT NULL,
    debtor_sheba  TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    updated_by    BIGINT NOT NULL
);

CREATE TABLE payment_cycles (
    id              BIGSERIAL PRIMARY KEY,
    program_id      BIGINT NOT NULL REFERENCES programs(id),
    -- The Jalali month paid for, year * 100 + month.
    month           BIGINT NOT NULL,
    unit_id         BIGINT NOT NULL REFERENCES org_units(id),
    state           TEXT NOT NULL CHECK (state IN ('draft', 'computed', 'submitted', 'approved', 'files_issued',
                        'reconciled', 'closed', 'cancelled')),
    program_version BIGINT,
    rounding        TEXT,
    snapshot_hash   TEXT,
    payable_count   BIGINT NOT NULL DEFAULT 0,
    payable_rials   BIGINT NOT NULL DEFAULT 0,
    held_count      BIGINT NOT NULL DEFAULT 0,
    paid_count      BIGINT NOT NULL DEFAULT 0,
    paid_rials      BIGINT NOT NULL DEFAULT 0,
    failed_count    BIGINT NOT NULL DEFAULT 0,
    failed_rials    BIGINT NOT NULL DEFAULT 0,
    created_by      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    computed_by     BIGINT,
    computed_at     BIGINT,
    submitted_by    BIGINT,
    submitted_at    BIGINT,
    checked_by      BIGINT,
    checked_at      BIGINT,
    check_reason    TEXT,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
-- One live cycle per program, month and unit.
CREATE UNIQUE INDEX payment_cycles__live ON payment_cycles(program_id, month, unit_id) WHERE state <> 'cancelled';
CREATE INDEX payment_cycles_program ON payment_cycles(program_id, month);

CREATE TABLE payment_lines (
    id              BIGSERIAL PRIMARY KEY,
    cycle_id        BIGINT NOT NULL REFERENCES payment_cycles(id),
    program_id      BIGINT NOT NULL,
    -- The month the entitlement is for (a failed payment retried later keeps it).
    month           BIGINT NOT NULL,
    -- Who is paid: the person, or for a household program the household.
    beneficiary     BIGINT NOT NULL,
    enrollment_id   BIGINT NOT NULL,
    person_id       BIGINT NOT NULL,
    household_id    BIGINT,
    province_id     BIGINT NOT NULL,
    unit_id         BIGINT NOT NULL,
    program_version BIGINT NOT NULL,
    inputs          TEXT NOT NULL,
    formula_rials   BIGINT,
    amount_rials    BIGINT NOT NULL,
    holder          TEXT NOT NULL,
    sheba           TEXT,
    bank_code       TEXT,
    status          TEXT NOT NULL CHECK (status IN ('payable', 'held', 'paid', 'failed')),
    hold_reason     TEXT,
    return_reason   TEXT,
    retry_of        BIGINT REFERENCES payment_lines(id),
    settled_at      BIGINT,
    CHECK ((status = 'held') = (hold_reason IS NOT NULL)),
    CHECK (status = 'held' OR amount_rials > 0)
);
-- Nobody is paid twice for a month: at most one line of a program, month and
-- beneficiary is to be paid or paid (a failed one may be retried).
CREATE UNIQUE INDEX payment_lines__once ON payment_lines(program_id, month, beneficiary)
    WHERE status IN ('payable', 'paid');
CREATE INDEX payment_lines_cycle ON payment_lines(cycle_id, bank_code, id);
CREATE INDEX payment_lines_failed ON payment_lines(program_id, status) WHERE status = 'failed';
CREATE INDEX payment_lines_retry ON payment_lines(retry_of) WHERE retry_of IS NOT NULL;
CREATE INDEX payment_lines_person ON payment_lines(person_id);

-- The bank files issued for a cycle, one per bank and format.
CREATE TABLE payment_files (
    id           BIGSERIAL PRIMARY KEY,
    cycle_id     BIGINT NOT NULL REFERENCES payment_cycles(id),
    bank_code    TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('csv', 'pain001')),
    message_id   TEXT NOT NULL,
    transfers    BIGINT NOT NULL,
    control_sum  BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    issued_at    BIGINT NOT NULL,
    issued_by    BIGINT NOT NULL,
    CONSTRAINT payment_files__bank UNIQUE (cycle_id, bank_code, format)
);

-- Bank return files imported against a cycle.
CREATE TABLE payment_returns (
    id           BIGSERIAL PRIMARY KEY,
    cycle_id     BIGINT NOT NULL REFERENCES payment_cycles(id),
    sha256       TEXT NOT NULL,
    paid         BIGINT NOT NULL,
    failed       BIGINT NOT NULL,
    unmatched    BIGINT NOT NULL,
    imported_at  BIGINT NOT NULL,
    imported_by  BIGINT NOT NULL
);

-- The double-entry ledger: an entry's postings sum to zero.
CREATE TABLE ledger_entries (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('appropriated', 'entitled', 'paid')),
    cycle_id   BIGINT REFERENCES payment_cycles(id),
    memo       TEXT NOT NULL,
    posted_at  BIGINT NOT NULL,
    posted_by  BIGINT NOT NULL
);
CREATE TABLE ledger_postings (
    id          BIGSERIAL PRIMARY KEY,
    entry_id    BIGINT NOT NULL REFERENCES ledger_entries(id),
    account     TEXT NOT NULL CHECK (account IN ('appropriation', 'program_expense', 'beneficiary_payable', 'bank_clearing')),
    program_id  BIGINT,
    province_id BIGINT,
    month       BIGINT,
    rials       BIGINT NOT NULL CHECK (rials <> 0)
);
CREATE INDEX ledger_postings_entry ON ledger_postings(entry_id);
CREATE INDEX ledger_postings_account ON ledger_postings(account, program_id, month);

-- Texts to beneficiaries, written with the payment state they tell of; a sender
-- takes them from here.
CREATE TABLE sms_outbox (
    id         BIGSERIAL PRIMARY KEY,
    person_id  BIGINT NOT NULL,
    phone      TEXT NOT NULL,
    body       TEXT NOT NULL,
    line_id    BIGINT REFERENCES payment_lines(id),
    created_at BIGINT NOT NULL,
    sent_at    BIGINT
);
CREATE INDEX sms_outbox_unsent ON sms_outbox(id) WHERE sent_at IS NULL;
