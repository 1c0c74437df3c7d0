-- Applying a bank's return runs as a job too: the file's rows that name a
-- payment of the cycle waiting for the bank are kept in `payment_return_rows`
-- when the job starts, then settled one province a transaction. A process killed
-- midway resumes when the same file (by its hash) is applied again; another file
-- is refused until it finishes.
ALTER TABLE payment_jobs DROP CONSTRAINT payment_jobs_step_check;
ALTER TABLE payment_jobs ADD CONSTRAINT payment_jobs_step_check
    CHECK (step IN ('compute', 'issue_files', 'reconcile'));
-- The hash of the input a job works from (a return file).
ALTER TABLE payment_jobs ADD COLUMN input_sha256 TEXT;

ALTER TABLE payment_returns ADD COLUMN job_id BIGINT REFERENCES payment_jobs(id);
ALTER TABLE payment_returns ADD COLUMN state TEXT NOT NULL DEFAULT 'done'
    CHECK (state IN ('applying', 'done'));
-- The file's rows not applied, with their reasons (JSON), kept for the report.
ALTER TABLE payment_returns ADD COLUMN refused TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX payment_returns_job ON payment_returns(job_id);

CREATE TABLE payment_return_rows (
    return_id   BIGINT NOT NULL REFERENCES payment_returns(id),
    line_id     BIGINT NOT NULL REFERENCES payment_lines(id),
    province_id BIGINT NOT NULL,
    file_row    BIGINT NOT NULL,
    paid        BIGINT NOT NULL CHECK (paid IN (0, 1)),
    reason      TEXT,
    PRIMARY KEY (return_id, province_id, line_id)
);
