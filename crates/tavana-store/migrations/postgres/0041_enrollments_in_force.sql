-- Enrollments in force per county office and program with their amounts, read
-- from the index alone (effectiveness's mean amount; a county's beneficiaries).
DROP INDEX enrollments_unit_state;
CREATE INDEX enrollments_in_force ON enrollments(state, unit_id, program_id, amount_rials);
