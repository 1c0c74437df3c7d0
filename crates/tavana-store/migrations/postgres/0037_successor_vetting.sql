-- A successor may be linked to the vetting case of their candidacy, so the
-- position's page shows the vetting office's advice (never the file).
ALTER TABLE successors ADD COLUMN vetting_case_id BIGINT REFERENCES vetting_cases(id);
