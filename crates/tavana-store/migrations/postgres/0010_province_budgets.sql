-- A program's monthly budget per province: confirmation enrolls within it, and
-- records the eligible beyond it as waiting (state 'draft') in the order
-- confirmed, so nobody eligible is lost off a list.
CREATE TABLE program_budgets (
    program_id   BIGINT NOT NULL REFERENCES programs(id),
    province_id  BIGINT NOT NULL,
    budget_month BIGINT NOT NULL CHECK (budget_month >= 0),
    updated_at   BIGINT NOT NULL,
    updated_by   BIGINT,
    PRIMARY KEY (program_id, province_id)
);
CREATE INDEX enrollments_program_province ON enrollments(program_id, province_id, state);
