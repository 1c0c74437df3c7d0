-- Deductions where a program's payment terms say so (an insurance premium's
-- share, a repayment): an expression over the program's variables giving the
-- rials withheld from each payment. A cycle keeps the expression it computed
-- with; each line keeps what was withheld, and the ledger owes it to a
-- deductions account of the program.
ALTER TABLE payment_settings ADD COLUMN deduction TEXT;
ALTER TABLE payment_cycles ADD COLUMN deduction TEXT;
ALTER TABLE payment_lines ADD COLUMN deduction_rials INTEGER NOT NULL DEFAULT 0 CHECK (deduction_rials >= 0);
-- (SQLite changes a CHECK by building the table again.)
CREATE TABLE ledger_postings_new (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries(id),
    account     TEXT NOT NULL CHECK (account IN ('appropriation', 'program_expense', 'beneficiary_payable',
                    'deductions_payable', 'bank_clearing')),
    program_id  INTEGER,
    province_id INTEGER,
    month       INTEGER,
    rials       INTEGER NOT NULL CHECK (rials <> 0)
);
INSERT INTO ledger_postings_new (id, entry_id, account, program_id, province_id, month, rials)
SELECT id, entry_id, account, program_id, province_id, month, rials FROM ledger_postings;
DROP TABLE ledger_postings;
ALTER TABLE ledger_postings_new RENAME TO ledger_postings;
CREATE INDEX ledger_postings_entry ON ledger_postings(entry_id);
CREATE INDEX ledger_postings_account ON ledger_postings(account, program_id, month);
