-- The first day a household's facts hold from: the latest day on or before the
-- day they were counted on which the passing of days changed them (an assessment
-- made or lapsing, a member dying, one without income coming of age). A rule as
-- of a day from then until `changes_on` reads them, not only from the day they
-- were counted: a payment cycle computed as of its month's first day, after it,
-- no longer recounts every household. Facts counted before this column are taken
-- to hold from the day they were counted, as before.
ALTER TABLE household_facts ADD COLUMN since_on TEXT;
UPDATE household_facts SET since_on = computed_on;
CREATE INDEX household_facts_since ON household_facts(since_on);
