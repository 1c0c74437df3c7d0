-- Appeals against decisions about a person: lodged by the decision's appeal
-- deadline, one a decision, ruled on by a board (program officers of the
-- decider's unit or above, never the decider) who affirm or overturn it with
-- reasons and a legal basis. An overturn is itself a decision (the enrollment
-- moved back), named here.
CREATE TABLE appeals (
    id                 BIGSERIAL PRIMARY KEY,
    decision_id        BIGINT NOT NULL REFERENCES decisions(id),
    program_id         BIGINT NOT NULL,
    person_id          BIGINT NOT NULL,
    province_id        BIGINT NOT NULL,
    unit_id            BIGINT NOT NULL REFERENCES org_units(id),
    grounds            TEXT NOT NULL,
    lodged_by          BIGINT NOT NULL REFERENCES users(id),
    lodged_at          BIGINT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('lodged', 'affirmed', 'overturned')),
    ruled_by           BIGINT REFERENCES users(id),
    ruled_at           BIGINT,
    ruling_reasons     TEXT,
    ruling_legal_basis TEXT,
    effect_decision_id BIGINT REFERENCES decisions(id)
);
CREATE UNIQUE INDEX appeals__decision ON appeals(decision_id);
CREATE INDEX appeals_open ON appeals(state, unit_id);
CREATE INDEX appeals_person ON appeals(person_id);
