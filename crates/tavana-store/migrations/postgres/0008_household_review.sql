-- Review by household: an event also names the households a change concerns (a
-- person who moves leaves one and joins another), and the enrollments of every
-- member of those households are re-checked.
CREATE TABLE outbox_households (
    event_id     BIGINT NOT NULL REFERENCES outbox(id),
    household_id BIGINT NOT NULL,
    PRIMARY KEY (event_id, household_id)
);

-- Amounts a review recomputed: an enrollment still eligible after a change is
-- paid what its program's formula now gives, and each change is kept with what
-- it rested on (the program's version, the values read, the day it was computed
-- as of, and the event that caused it).
CREATE TABLE amount_changes (
    id              BIGSERIAL PRIMARY KEY,
    enrollment_id   BIGINT NOT NULL REFERENCES enrollments(id),
    program_id      BIGINT NOT NULL,
    person_id       BIGINT NOT NULL,
    province_id     BIGINT NOT NULL,
    from_amount     BIGINT,
    to_amount       BIGINT NOT NULL,
    program_version BIGINT NOT NULL,
    inputs          TEXT NOT NULL,
    event_id        BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    changed_at      BIGINT NOT NULL
);
CREATE INDEX amount_changes_enrollment ON amount_changes(enrollment_id, id);
CREATE INDEX enrollments_household ON enrollments(household_id);
