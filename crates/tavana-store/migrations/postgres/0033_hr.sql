-- Positions in each org unit (some critical to its work), the staff who hold
-- them, and the candidates named to succeed to the critical ones.
CREATE TABLE positions (
    id         BIGSERIAL PRIMARY KEY,
    code       TEXT NOT NULL,
    title      TEXT NOT NULL,
    unit_id    BIGINT NOT NULL REFERENCES org_units(id),
    critical   BIGINT NOT NULL CHECK (critical IN (0, 1)),
    created_at BIGINT NOT NULL,
    CONSTRAINT positions__code UNIQUE (code)
);
CREATE INDEX positions_unit ON positions(unit_id);

-- A member of staff: the personnel number, the registry's national code (the
-- person, where registered), the unit and position, grade, employment type,
-- hire day and expected retirement day (ISO).
CREATE TABLE staff (
    id               BIGSERIAL PRIMARY KEY,
    personnel_number TEXT NOT NULL,
    national_code    TEXT NOT NULL,
    person_id        BIGINT REFERENCES persons(id),
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    unit_id          BIGINT NOT NULL REFERENCES org_units(id),
    position_id      BIGINT REFERENCES positions(id),
    grade            BIGINT NOT NULL CHECK (grade BETWEEN 1 AND 16),
    employment_type  TEXT NOT NULL CHECK (employment_type IN ('permanent', 'contract', 'temporary')),
    hire_date        TEXT NOT NULL,
    retirement_date  TEXT NOT NULL,
    updated_at       BIGINT NOT NULL,
    CONSTRAINT staff__personnel_number UNIQUE (personnel_number),
    CONSTRAINT staff__national_code UNIQUE (national_code)
);
CREATE INDEX staff_unit ON staff(unit_id, last_name);
-- One holder a position.
CREATE UNIQUE INDEX staff__position ON staff(position_id) WHERE position_id IS NOT NULL;
CREATE INDEX staff_retirement ON staff(retirement_date);

-- Candidates to succeed to a position, with their readiness and plan.
CREATE TABLE successors (
    id          BIGSERIAL PRIMARY KEY,
    position_id BIGINT NOT NULL REFERENCES positions(id),
    staff_id    BIGINT NOT NULL REFERENCES staff(id),
    readiness   TEXT NOT NULL CHECK (readiness IN ('ready_now', 'one_to_two_years', 'three_to_five_years')),
    plan        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  BIGINT NOT NULL REFERENCES users(id),
    CONSTRAINT successors__candidate UNIQUE (position_id, staff_id)
);
CREATE INDEX successors_staff ON successors(staff_id);
