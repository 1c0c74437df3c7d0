-- The moves of enrollments per Jalali month (year * 100 + month, in Tehran),
-- county office and program: what the planning trends and effectiveness read
-- instead of a year of decisions. Kept in the transaction of every decision
-- (one grouped upsert for a confirmation) and of every transfer of an
-- enrollment to another office (its moves go with it, so an office's history
-- adds up to what it serves today). The store fills it from the decisions when
-- it opens with it empty.
CREATE TABLE enrollment_moves (
    month             BIGINT NOT NULL,
    unit_id           BIGINT NOT NULL,
    program_id        BIGINT NOT NULL,
    -- Came into force, left it (to any state).
    entries           BIGINT NOT NULL,
    leaves            BIGINT NOT NULL,
    -- Began waiting for budget, stopped waiting.
    into_waiting      BIGINT NOT NULL,
    out_of_waiting    BIGINT NOT NULL,
    -- Exits of beneficiaries (from in force or paused) by reason, and without one.
    exits_work        BIGINT NOT NULL,
    exits_empowerment BIGINT NOT NULL,
    exits_death       BIGINT NOT NULL,
    exits_other       BIGINT NOT NULL,
    exits_unexplained BIGINT NOT NULL,
    -- Of those exits, the ones that had come into force, and their time since.
    timed_exits       BIGINT NOT NULL,
    timed_micros      BIGINT NOT NULL,
    PRIMARY KEY (month, unit_id, program_id)
);
