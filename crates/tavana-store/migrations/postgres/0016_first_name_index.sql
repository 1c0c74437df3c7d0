-- A search by first name alone (the commonest partial search at a counter) reads
-- an index instead of every person.
CREATE INDEX persons_first ON persons(first_key, last_key, id);
