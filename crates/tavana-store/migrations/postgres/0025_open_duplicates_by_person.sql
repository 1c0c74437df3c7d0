-- A payment cycle asks of every line whether an open duplicate pair names its
-- person, on either side: looked up by the person among the open pairs alone
-- (without these, SQLite may read every open pair by status for each line).
CREATE INDEX duplicate_candidates_open_a ON duplicate_candidates(person_a) WHERE status = 'open';
CREATE INDEX duplicate_candidates_open_b ON duplicate_candidates(person_b) WHERE status = 'open';
