-- Changes to a program in force, four eyes: one officer proposes a new
-- definition from a month on, another approves or rejects it; an approved change
-- is applied when its month begins (at once when it has begun).
CREATE TABLE program_changes (
    id              BIGSERIAL PRIMARY KEY,
    program_id      BIGINT NOT NULL REFERENCES programs(id),
    base_version    BIGINT NOT NULL,
    definition      TEXT NOT NULL,
    effective_from  TEXT NOT NULL,
    reason          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('proposed', 'approved', 'rejected', 'applied')),
    proposed_by     BIGINT NOT NULL,
    proposed_at     BIGINT NOT NULL,
    decided_by      BIGINT,
    decided_at      BIGINT,
    decision_reason TEXT
);
CREATE INDEX program_changes_program ON program_changes(program_id, state);
