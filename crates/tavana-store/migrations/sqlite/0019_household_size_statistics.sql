-- PostgreSQL is told the share of distinct households among persons (its sample
-- underestimated them). SQLite's planner takes the distinct counts of its indexes
-- from the whole index when it analyzes: nothing to state.
SELECT 1;
