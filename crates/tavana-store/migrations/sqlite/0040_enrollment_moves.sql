-- The moves of enrollments per Jalali month (year * 100 + month, in Tehran),
-- county office and program: what the planning trends and effectiveness read
-- instead of a year of decisions. Kept in the transaction of every decision
-- (one grouped upsert for a confirmation) and of every transfer of an
-- enrollment to another office (its moves go with it, so an office's history
-- adds up to what it serves today). The store fills it from the decisions when
-- it opens with it empty.
CREATE TABLE enrollment_moves (
    month             INTEGER NOT NULL,
    unit_id           INTEGER NOT NULL,
    program_id        INTEGER NOT NULL,
    -- Came into force, left it (to any state).
    entries           INTEGER NOT NULL,
    leaves            INTEGER NOT NULL,
    -- Began waiting for budget, stopped waiting.
    into_waiting      INTEGER NOT NULL,
    out_of_waiting    INTEGER NOT NULL,
    -- Exits of beneficiaries (from in force or paused) by reason, and without one.
    exits_work        INTEGER NOT NULL,
    exits_empowerment INTEGER NOT NULL,
    exits_death       INTEGER NOT NULL,
    exits_other       INTEGER NOT NULL,
    exits_unexplained INTEGER NOT NULL,
    -- Of those exits, the ones that had come into force, and their time since.
    timed_exits       INTEGER NOT NULL,
    timed_micros      INTEGER NOT NULL,
    PRIMARY KEY (month, unit_id, program_id)
);
