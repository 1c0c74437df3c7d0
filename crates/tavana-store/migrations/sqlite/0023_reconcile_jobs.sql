-- Applying a bank's return runs as a job too: the file's rows that name a
-- payment of the cycle waiting for the bank are kept in `payment_return_rows`
-- when the job starts, then settled one province a transaction. A process killed
-- midway resumes when the same file (by its hash) is applied again; another file
-- is refused until it finishes.
-- (SQLite changes a CHECK by building the table again.)
CREATE TABLE payment_jobs_new (
    id              INTEGER PRIMARY KEY,
    cycle_id        INTEGER NOT NULL REFERENCES payment_cycles(id),
    step            TEXT NOT NULL CHECK (step IN ('compute', 'issue_files', 'reconcile')),
    state           TEXT NOT NULL CHECK (state IN ('running', 'done')),
    program_version INTEGER,
    total           INTEGER NOT NULL DEFAULT 0,
    done            INTEGER NOT NULL DEFAULT 0,
    held            INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    checkpoint      INTEGER,
    started_by      INTEGER NOT NULL,
    started_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    resumed         INTEGER NOT NULL DEFAULT 0,
    -- The hash of the input a job works from (a return file).
    input_sha256    TEXT
);
INSERT INTO payment_jobs_new (id, cycle_id, step, state, program_version, total, done, held, failed, checkpoint,
    started_by, started_at, updated_at, finished_at, resumed)
SELECT id, cycle_id, step, state, program_version, total, done, held, failed, checkpoint,
    started_by, started_at, updated_at, finished_at, resumed FROM payment_jobs;
DROP TABLE payment_jobs;
ALTER TABLE payment_jobs_new RENAME TO payment_jobs;
CREATE UNIQUE INDEX payment_jobs__running ON payment_jobs(cycle_id) WHERE state = 'running';
CREATE INDEX payment_jobs_recent ON payment_jobs(started_at);

ALTER TABLE payment_returns ADD COLUMN job_id INTEGER REFERENCES payment_jobs(id);
ALTER TABLE payment_returns ADD COLUMN state TEXT NOT NULL DEFAULT 'done'
    CHECK (state IN ('applying', 'done'));
-- The file's rows not applied, with their reasons (JSON), kept for the report.
ALTER TABLE payment_returns ADD COLUMN refused TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX payment_returns_job ON payment_returns(job_id);

CREATE TABLE payment_return_rows (
    return_id   INTEGER NOT NULL REFERENCES payment_returns(id),
    line_id     INTEGER NOT NULL REFERENCES payment_lines(id),
    province_id INTEGER NOT NULL,
    file_row    INTEGER NOT NULL,
    paid        INTEGER NOT NULL CHECK (paid IN (0, 1)),
    reason      TEXT,
    PRIMARY KEY (return_id, province_id, line_id)
) WITHOUT ROWID;
