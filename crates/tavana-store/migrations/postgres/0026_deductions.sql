-- Deductions where a program's payment terms say so (an insurance premium's
-- share, a repayment): an expression over the program's variables giving the
-- rials withheld from each payment. A cycle keeps the expression it computed
-- with; each line keeps what was withheld, and the ledger owes it to a
-- deductions account of the program.
ALTER TABLE payment_settings ADD COLUMN deduction TEXT;
ALTER TABLE payment_cycles ADD COLUMN deduction TEXT;
ALTER TABLE payment_lines ADD COLUMN deduction_rials BIGINT NOT NULL DEFAULT 0 CHECK (deduction_rials >= 0);
ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_account_check;
ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_account_check
    CHECK (account IN ('appropriation', 'program_expense', 'beneficiary_payable', 'deductions_payable', 'bank_clearing'));
