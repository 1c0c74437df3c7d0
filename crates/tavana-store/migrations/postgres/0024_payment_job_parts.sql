-- Each part of a job, as its transaction committed it: for a computation, the
-- province's lines (how many, how many held, the first and last line id) and
-- the SHA-256 of their content, so the audit entry of the part pins every line
-- it wrote and the cycle's snapshot hash is the hash of its parts' hashes.
CREATE TABLE payment_job_parts (
    job_id     BIGINT NOT NULL REFERENCES payment_jobs(id),
    checkpoint BIGINT NOT NULL,
    lines      BIGINT NOT NULL,
    held       BIGINT NOT NULL,
    first_line BIGINT,
    last_line  BIGINT,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (job_id, checkpoint)
);
