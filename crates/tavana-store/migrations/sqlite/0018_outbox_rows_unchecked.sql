-- The rows naming an event's persons and households are written only by the
-- function that has just inserted the event, in the same transaction, with the id
-- it returned; nothing deletes events. Their reference to the event is no longer
-- declared (PostgreSQL checked it row by row, eight seconds of an import of a
-- million persons); SQLite drops a foreign key by rebuilding the table.
CREATE TABLE outbox_persons_new (
    event_id  INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    PRIMARY KEY (event_id, person_id)
);
INSERT INTO outbox_persons_new (event_id, person_id) SELECT event_id, person_id FROM outbox_persons;
DROP TABLE outbox_persons;
ALTER TABLE outbox_persons_new RENAME TO outbox_persons;

CREATE TABLE outbox_households_new (
    event_id     INTEGER NOT NULL,
    household_id INTEGER NOT NULL,
    PRIMARY KEY (event_id, household_id)
);
INSERT INTO outbox_households_new (event_id, household_id) SELECT event_id, household_id FROM outbox_households;
DROP TABLE outbox_households;
ALTER TABLE outbox_households_new RENAME TO outbox_households;
