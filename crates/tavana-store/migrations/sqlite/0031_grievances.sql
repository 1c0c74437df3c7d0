-- Grievances: a person's complaint, received at their county office (in
-- person, by phone or on the web), in a category whose service level gives the
-- day it must be answered by (`due_on`, ISO). One not answered by then moves
-- to the office above (`unit_id` changes, `escalations` counts) with a new
-- deadline. It may concern one decision about the person; it ends with a reply.
CREATE TABLE grievances (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    province_id  INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL REFERENCES org_units(id),
    channel      TEXT NOT NULL CHECK (channel IN ('in_person', 'phone', 'web')),
    category     TEXT NOT NULL CHECK (category IN ('payment', 'eligibility', 'service', 'staff', 'other')),
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    decision_id  INTEGER REFERENCES decisions(id),
    state        TEXT NOT NULL CHECK (state IN ('received', 'assigned', 'escalated', 'resolved')),
    received_by  INTEGER NOT NULL REFERENCES users(id),
    received_at  INTEGER NOT NULL,
    due_on       TEXT NOT NULL,
    assigned_to  INTEGER REFERENCES users(id),
    escalations  INTEGER NOT NULL DEFAULT 0,
    resolved_by  INTEGER REFERENCES users(id),
    resolved_at  INTEGER,
    reply        TEXT,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX grievances_unit ON grievances(unit_id, state);
CREATE INDEX grievances_due ON grievances(due_on) WHERE state <> 'resolved';
CREATE INDEX grievances_person ON grievances(person_id);

-- A grievance's history: each move (received, assigned, escalated, resolved)
-- with who (none for the system's escalation), when and a note.
CREATE TABLE grievance_events (
    id           INTEGER PRIMARY KEY,
    grievance_id INTEGER NOT NULL REFERENCES grievances(id),
    from_state   TEXT,
    to_state     TEXT NOT NULL,
    note         TEXT,
    by_user      INTEGER REFERENCES users(id),
    at           INTEGER NOT NULL
);
CREATE INDEX grievance_events_grievance ON grievance_events(grievance_id);
