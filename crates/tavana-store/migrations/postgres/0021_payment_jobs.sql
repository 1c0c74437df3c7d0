-- Long payment steps run as jobs: a cycle's computation writes its lines one
-- province a transaction, each recording how far it got (the checkpoint) and the
-- exact counts, so a process killed midway resumes where it stopped when the
-- step is started again, and progress can be watched meanwhile. At most one job
-- runs on a cycle.
CREATE TABLE payment_jobs (
    id              BIGSERIAL PRIMARY KEY,
    cycle_id        BIGINT NOT NULL REFERENCES payment_cycles(id),
    step            TEXT NOT NULL CHECK (step IN ('compute', 'issue_files')),
    state           TEXT NOT NULL CHECK (state IN ('running', 'done')),
    program_version BIGINT,
    total           BIGINT NOT NULL DEFAULT 0,
    done            BIGINT NOT NULL DEFAULT 0,
    held            BIGINT NOT NULL DEFAULT 0,
    failed          BIGINT NOT NULL DEFAULT 0,
    checkpoint      BIGINT,
    started_by      BIGINT NOT NULL,
    started_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    resumed         BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX payment_jobs__running ON payment_jobs(cycle_id) WHERE state = 'running';
CREATE INDEX payment_jobs_recent ON payment_jobs(started_at);

-- A cycle asks of every beneficiary whether an open duplicate pair names them,
-- on either side.
CREATE INDEX duplicate_candidates_b ON duplicate_candidates(person_b);
