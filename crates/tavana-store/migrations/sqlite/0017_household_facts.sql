-- Each household's aggregates that eligibility reads (living members, members with
-- a disability or a severe one, reassessments due, a female head, income and the
-- adults whose income is missing), kept up to date in the transaction of every
-- change that emits an event about its members, so a rule over the whole registry
-- reads one row a household instead of grouping every person.
--
-- The counts are as of `computed_on` and hold until the day before `changes_on`
-- (an assessment expiring, a minor coming of age): a rule as of a day outside
-- that range recounts the household.
CREATE TABLE household_facts (
    household_id     INTEGER PRIMARY KEY,
    members          INTEGER NOT NULL,
    with_disability  INTEGER NOT NULL,
    with_severe      INTEGER NOT NULL,
    reassessment_due INTEGER NOT NULL,
    female_headed    INTEGER NOT NULL,
    income           INTEGER NOT NULL,
    missing_income   INTEGER NOT NULL,
    computed_on      TEXT NOT NULL,
    changes_on       TEXT
);
-- The households a rule as of a day must recount: found by these two, not by
-- reading every household's facts.
CREATE INDEX household_facts_changes ON household_facts(changes_on);
CREATE INDEX household_facts_computed ON household_facts(computed_on);

-- Whether household_facts holds every household: not while a bulk load into an
-- empty registry runs (it fills them once at the end), nor before the first fill.
CREATE TABLE household_facts_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    complete INTEGER NOT NULL
);
INSERT INTO household_facts_state (id, complete) VALUES (1, 0);
