-- A merge is proposed by one person and approved by another: the proposal is
-- kept on the candidate (status merge_proposed) until it is approved or rejected.
ALTER TABLE duplicate_candidates ADD COLUMN proposed_survivor BIGINT REFERENCES persons(id);
ALTER TABLE duplicate_candidates ADD COLUMN proposed_by BIGINT REFERENCES users(id);
ALTER TABLE duplicate_candidates ADD COLUMN proposed_at BIGINT;
ALTER TABLE duplicate_candidates ADD COLUMN proposal_reason TEXT;
