-- Planning: the registry's reach per place, kept in the transaction of every
-- change; the census population of villages; why a beneficiary left a program.

-- Each household's facts name the place it lives in when they were counted, so a
-- recount takes them off the place they were added to even after a move.
ALTER TABLE household_facts ADD COLUMN place_id BIGINT;
UPDATE household_facts SET place_id = (SELECT h.place_id FROM households h WHERE h.id = household_facts.household_id);

-- The sums of household_facts per place (a village or a city): households with
-- living members, their living members, those with a disability, a severe one.
-- Kept by the recount that writes household_facts, in the same transaction.
CREATE TABLE place_facts (
    place_id        BIGINT PRIMARY KEY,
    households      BIGINT NOT NULL,
    members         BIGINT NOT NULL,
    with_disability BIGINT NOT NULL,
    with_severe     BIGINT NOT NULL
);
INSERT INTO place_facts (place_id, households, members, with_disability, with_severe)
SELECT place_id, COUNT(*), SUM(members), SUM(with_disability), SUM(with_severe)
FROM household_facts WHERE place_id IS NOT NULL GROUP BY place_id;

-- A village's population by the census (the reference table a planner imports).
CREATE TABLE village_populations (
    place_id    BIGINT PRIMARY KEY REFERENCES places(id),
    population  BIGINT NOT NULL CHECK (population >= 0),
    census_year BIGINT NOT NULL,
    imported_at BIGINT NOT NULL,
    imported_by BIGINT NOT NULL
);

-- Why an enrollment was exited (work, empowerment, death, other): coded, on the
-- decision that exited it.
ALTER TABLE decisions ADD COLUMN exit_reason TEXT
    CHECK (exit_reason IS NULL OR exit_reason IN ('work', 'empowerment', 'death', 'other'));

-- Decisions by time (entries and exits per month); enrollments in force per
-- county office and program.
CREATE INDEX decisions_decided ON decisions(decided_at);
CREATE INDEX enrollments_unit_state ON enrollments(state, unit_id, program_id);
