-- The outbox: events written in the same transaction as the change they report,
-- consumed afterwards by the modules that care (set-based, idempotent).
CREATE TABLE outbox (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    program_id    BIGINT,
    reason        TEXT NOT NULL,
    actor_user_id BIGINT,
    actor_unit_id BIGINT,
    created_at    BIGINT NOT NULL,
    consumed_at   BIGINT
);
CREATE INDEX outbox_pending ON outbox(id) WHERE consumed_at IS NULL;

-- The persons an event is about, one row each, so consumers join them.
CREATE TABLE outbox_persons (
    event_id  BIGINT NOT NULL REFERENCES outbox(id),
    person_id BIGINT NOT NULL,
    PRIMARY KEY (event_id, person_id)
);

-- At most one open review per enrollment: a consumer that runs twice flags once.
CREATE UNIQUE INDEX enrollment_reviews__open_once ON enrollment_reviews(enrollment_id) WHERE resolved_at IS NULL;
