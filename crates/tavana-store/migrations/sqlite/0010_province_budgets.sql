-- A program's monthly budget per province: confirmation enrolls within it, and
-- records the eligible beyond it as waiting (state 'draft') in the order
-- confirmed, so nobody eligible is lost off a list.
CREATE TABLE program_budgets (
    program_id   INTEGER NOT NULL REFERENCES programs(id),
    province_id  INTEGER NOT NULL,
    budget_month INTEGER NOT NULL CHECK (budget_month >= 0),
    updated_at   INTEGER NOT NULL,
    updated_by   INTEGER,
    PRIMARY KEY (program_id, province_id)
);
CREATE INDEX enrollments_program_province ON enrollments(program_id, province_id, state);
