-- Appeals against decisions about a person: lodged by the decision's appeal
-- deadline, one a decision, ruled on by a board (program officers of the
-- decider's unit or above, never the decider) who affirm or overturn it with
-- reasons and a legal basis. An overturn is itself a decision (the enrollment
-- moved back), named here.
CREATE TABLE appeals (
    id                 INTEGER PRIMARY KEY,
    decision_id        INTEGER NOT NULL REFERENCES decisions(id),
    program_id         INTEGER NOT NULL,
    person_id          INTEGER NOT NULL,
    province_id        INTEGER NOT NULL,
    unit_id            INTEGER NOT NULL REFERENCES org_units(id),
    grounds            TEXT NOT NULL,
    lodged_by          INTEGER NOT NULL REFERENCES users(id),
    lodged_at          INTEGER NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('lodged', 'affirmed', 'overturned')),
    ruled_by           INTEGER REFERENCES users(id),
    ruled_at           INTEGER,
    ruling_reasons     TEXT,
    ruling_legal_basis TEXT,
    effect_decision_id INTEGER REFERENCES decisions(id)
);
CREATE UNIQUE INDEX appeals__decision ON appeals(decision_id);
CREATE INDEX appeals_open ON appeals(state, unit_id);
CREATE INDEX appeals_person ON appeals(person_id);
