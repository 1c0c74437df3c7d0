-- A household has at most one living head. The registry refuses a second one
-- with a message; this index refuses it on any path that writes persons. A
-- household whose head died or left has none until a successor is recorded, and
-- is listed for its office meanwhile.
CREATE UNIQUE INDEX persons__relationship ON persons(household_id)
    WHERE relationship = 'head' AND deceased_on IS NULL AND merged_into IS NULL;
