-- Arrears for an overturned decision: each decision records the Jalali month it
-- took effect in (year * 100 + month), and a decision that undoes another (an
-- appeal overturning it) names it. A payment cycle then pays, for each person
-- enrolled again, the months the program paid (a cycle approved or later)
-- between the two that they were not paid for; such a line names the decision
-- that undid the other.
ALTER TABLE decisions ADD COLUMN effective_month BIGINT;
ALTER TABLE decisions ADD COLUMN undoes_decision_id BIGINT REFERENCES decisions(id);
CREATE INDEX decisions_undoes ON decisions(program_id, undoes_decision_id) WHERE undoes_decision_id IS NOT NULL;
ALTER TABLE payment_lines ADD COLUMN arrear_of BIGINT REFERENCES decisions(id);
