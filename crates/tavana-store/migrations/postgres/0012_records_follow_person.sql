-- A person's enrollments and reviews follow them when they move office; these
-- find them by person.
CREATE INDEX enrollments_person ON enrollments(person_id);
CREATE INDEX enrollment_reviews_person ON enrollment_reviews(person_id);
