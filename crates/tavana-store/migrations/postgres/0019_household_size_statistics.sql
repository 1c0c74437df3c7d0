-- A household has three to four members (2.3 M households among 7.7 M persons).
-- ANALYZE's sample of persons put the households at 312,238 (25 persons each),
-- so a rule planned the households whose facts it recounts as if each had 25
-- members: it scanned every assessment (3.0 s at 7.7 M persons) instead of looking
-- up the members' (1.4 s). The number of distinct households is stated as a
-- share of the persons instead, and kept by every later ANALYZE.
ALTER TABLE persons ALTER COLUMN household_id SET (n_distinct = -0.3);
