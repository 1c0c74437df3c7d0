-- The place (village or city) an enrollment's person lives in, kept as the
-- office is (set when it is written, followed when the household moves), so a
-- county's beneficiaries per place are read from an index alone.
ALTER TABLE enrollments ADD COLUMN place_id INTEGER;
UPDATE enrollments SET place_id = (SELECT h.place_id FROM persons s JOIN households h ON h.id = s.household_id
    WHERE s.id = enrollments.person_id);
DROP INDEX enrollments_in_force;
CREATE INDEX enrollments_in_force ON enrollments(state, unit_id, program_id, place_id, amount_rials);
