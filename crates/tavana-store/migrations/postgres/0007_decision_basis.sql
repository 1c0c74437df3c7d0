-- The basis of a decision to enroll: the program's version it was decided under,
-- the values its rule and formula read, and the monthly amount that came of them.
ALTER TABLE decisions ADD COLUMN program_version BIGINT;
ALTER TABLE decisions ADD COLUMN inputs TEXT;
ALTER TABLE decisions ADD COLUMN amount_rials BIGINT;
