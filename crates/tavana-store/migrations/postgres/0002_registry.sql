-- The comprehensive database: households, persons, disability assessments, and the
-- previous versions of every changed record. Dates are ISO text (YYYY-MM-DD) on both
-- backends; instants are microseconds since the Unix epoch. Every table carries
-- province_id, its distribution key.

ALTER TABLE places ADD COLUMN county_id BIGINT;

CREATE TABLE households (
    id          BIGSERIAL PRIMARY KEY,
    file_number TEXT NOT NULL,
    province_id BIGINT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES org_units(id),
    place_id    BIGINT NOT NULL REFERENCES places(id),
    address     TEXT,
    postal_code TEXT,
    phone       TEXT,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by      BIGINT,
    updated_unit_id BIGINT,
    change_reason   TEXT NOT NULL,
    CONSTRAINT households__file_number UNIQUE (file_number)
);

CREATE TABLE persons (
    id             BIGSERIAL PRIMARY KEY,
    national_code  TEXT NOT NULL,
    household_id   BIGINT REFERENCES households(id),
    relationship   TEXT,
    province_id    BIGINT NOT NULL,
    unit_id        BIGINT NOT NULL REFERENCES org_units(id),
    first_name     TEXT NOT NULL,
    last_name      TEXT NOT NULL,
    father_name    TEXT NOT NULL,
    first_key      TEXT COLLATE "C" NOT NULL,
    last_key       TEXT COLLATE "C" NOT NULL,
    father_key     TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    sex            TEXT NOT NULL,
    marital_status TEXT,
    education      TEXT,
    employment     TEXT,
    income_rials   BIGINT,
    income_decile  INTEGER,
    sheba          TEXT,
    phone          TEXT,
    deceased_on    TEXT,
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by      BIGINT,
    updated_unit_id BIGINT,
    change_reason   TEXT NOT NULL,
    CONSTRAINT persons__national_code UNIQUE (national_code)
);

CREATE TABLE disabilities (
    id          BIGSERIAL PRIMARY KEY,
    person_id   BIGINT NOT NULL REFERENCES persons(id),
    province_id BIGINT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES org_units(id),
    kind        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    commission  TEXT,
    assessed_on TEXT NOT NULL,
    valid_until TEXT,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by      BIGINT,
    updated_unit_id BIGINT,
    change_reason   TEXT NOT NULL,
    CONSTRAINT disabilities__assessment UNIQUE (person_id, kind, assessed_on)
);

-- The previous states of a record: when a record changes, its state before the
-- change is copied here with who made that state, when, from which unit and why.
-- The current state, with the same four facts, stays in its own table.
CREATE TABLE record_versions (
    id          BIGSERIAL PRIMARY KEY,
    object_type TEXT NOT NULL,
    object_id   BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    province_id BIGINT,
    data        TEXT NOT NULL,
    changed_at  BIGINT NOT NULL,
    changed_by  BIGINT,
    unit_id     BIGINT,
    reason      TEXT NOT NULL,
    superseded_at BIGINT NOT NULL
);

CREATE INDEX households_unit ON households(unit_id, id);
CREATE INDEX households_place ON households(place_id);
CREATE INDEX households_phone ON households(phone);

CREATE INDEX persons_household ON persons(household_id);
CREATE INDEX persons_name ON persons(last_key, first_key, id);
CREATE INDEX persons_phone ON persons(phone);
CREATE INDEX persons_sheba ON persons(sheba);

CREATE INDEX disabilities_person ON disabilities(person_id);

CREATE INDEX record_versions_object ON record_versions(object_type, object_id, version);

-- Places learn their county, so a household's county office follows from its
-- village or city.
UPDATE places SET county_id = id WHERE kind = 'county';
UPDATE places SET county_id = parent_id WHERE kind IN ('city', 'rural_district');
UPDATE places SET county_id = (SELECT p.county_id FROM places p WHERE p.id = places.parent_id) WHERE kind = 'village';
