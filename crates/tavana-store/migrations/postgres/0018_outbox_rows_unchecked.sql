-- The rows naming an event's persons and households are written only by the
-- function that has just inserted the event, in the same transaction, with the id
-- it returned; nothing deletes events. Their reference to the event was checked
-- row by row (a lookup and a row lock each): 15 µs a row, eight seconds of an
-- import of a million persons, whose events name every household it touched.
ALTER TABLE outbox_persons DROP CONSTRAINT outbox_persons_event_id_fkey;
ALTER TABLE outbox_households DROP CONSTRAINT outbox_households_event_id_fkey;
