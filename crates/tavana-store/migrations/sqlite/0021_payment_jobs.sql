-- Long payment steps run as jobs: a cycle's computation writes its lines one
-- province a transaction, each recording how far it got (the checkpoint) and the
-- exact counts, so a process killed midway resumes where it stopped when the
-- step is started again, and progress can be watched meanwhile. At most one job
-- runs on a cycle.
CREATE TABLE payment_jobs (
    id              INTEGER PRIMARY KEY,
    cycle_id        INTEGER NOT NULL REFERENCES payment_cycles(id),
    step            TEXT NOT NULL CHECK (step IN ('compute', 'issue_files')),
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
    resumed         INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX payment_jobs__running ON payment_jobs(cycle_id) WHERE state = 'running';
CREATE INDEX payment_jobs_recent ON payment_jobs(started_at);

-- A cycle asks of every beneficiary whether an open duplicate pair names them,
-- on either side.
CREATE INDEX duplicate_candidates_b ON duplicate_candidates(person_b);
