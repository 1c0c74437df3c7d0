-- Each part of a job, as its transaction committed it: for a computation, the
-- province's lines (how many, how many held, the first and last line id) and
-- the SHA-256 of their content, so the audit entry of the part pins every line
-- it wrote and the cycle's snapshot hash is the hash of its parts' hashes.
CREATE TABLE payment_job_parts (
    job_id     INTEGER NOT NULL REFERENCES payment_jobs(id),
    checkpoint INTEGER NOT NULL,
    lines      INTEGER NOT NULL,
    held       INTEGER NOT NULL,
    first_line INTEGER,
    last_line  INTEGER,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (job_id, checkpoint)
);
