-- A household program enrolls a household: its enrollment names the household, and
-- a household has at most one enrollment in force per program.
ALTER TABLE enrollments ADD COLUMN household_id INTEGER;
CREATE UNIQUE INDEX enrollments__household ON enrollments(program_id, household_id)
    WHERE state = 'enrolled' AND household_id IS NOT NULL;
