-- Applications to a program (درخواست), taken for a person at their county
-- office: reviewed by the case worker assigned, approved or rejected by a
-- program officer. At most one open application a person and program.
CREATE TABLE applications (
    id           BIGSERIAL PRIMARY KEY,
    program_id   BIGINT NOT NULL REFERENCES programs(id),
    person_id    BIGINT NOT NULL REFERENCES persons(id),
    province_id  BIGINT NOT NULL,
    unit_id      BIGINT NOT NULL REFERENCES org_units(id),
    state        TEXT NOT NULL CHECK (state IN ('submitted', 'under_review', 'approved', 'waitlisted', 'rejected', 'enrolled', 'withdrawn')),
    assigned_to  BIGINT REFERENCES users(id),
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    submitted_at BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    decision_id  BIGINT REFERENCES decisions(id),
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX applications__open ON applications(program_id, person_id)
    WHERE state IN ('submitted', 'under_review', 'approved', 'waitlisted');
CREATE INDEX applications_unit ON applications(unit_id, state);
CREATE INDEX applications_person ON applications(person_id);
CREATE INDEX applications_assigned ON applications(assigned_to, state);

-- An application's history: each move with who, when and a note; notes alone
-- have no move (from_state = to_state).
CREATE TABLE application_events (
    id             BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    from_state     TEXT,
    to_state       TEXT NOT NULL,
    note           TEXT,
    by_user        BIGINT NOT NULL REFERENCES users(id),
    at             BIGINT NOT NULL
);
CREATE INDEX application_events_application ON application_events(application_id);

-- Documents attached to an application: the file's content with its SHA-256,
-- its type as found from the content, and its size.
CREATE TABLE application_documents (
    id             BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind           TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    size_bytes     BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    content        BYTEA NOT NULL,
    uploaded_by    BIGINT NOT NULL REFERENCES users(id),
    uploaded_at    BIGINT NOT NULL
);
CREATE INDEX application_documents_application ON application_documents(application_id);

-- A program's intake: the documents an application must have, and the weights
-- of its priority score (all zero: the waiting list is first come, first served).
CREATE TABLE program_intake (
    program_id     BIGINT PRIMARY KEY REFERENCES programs(id),
    documents      TEXT NOT NULL,
    severity       BIGINT NOT NULL,
    household_size BIGINT NOT NULL,
    poverty        BIGINT NOT NULL,
    female_headed  BIGINT NOT NULL,
    elderly        BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     BIGINT REFERENCES users(id)
);

-- Whoever waits for budget (state 'draft') has the priority score the last
-- confirmation gave them and the instant they began to wait (microseconds since
-- the epoch, as every instant is stored).
ALTER TABLE enrollments ADD COLUMN priority BIGINT;
ALTER TABLE enrollments ADD COLUMN waiting_since BIGINT;
-- Those waiting already began to wait when their enrollment was last written.
UPDATE enrollments SET waiting_since = updated_at WHERE state = 'draft';
