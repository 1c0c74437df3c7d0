-- Platform: places, org units, users and roles, sessions, API tokens, login attempts,
-- the audit chain. Instants are INTEGER microseconds since the Unix epoch (UTC).

CREATE TABLE places (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES places(id),
    kind        TEXT NOT NULL CHECK (kind IN ('province', 'county', 'city', 'rural_district', 'village')),
    code        TEXT NOT NULL,
    name_fa     TEXT NOT NULL,
    name_en     TEXT,
    name_norm   TEXT NOT NULL,
    province_id INTEGER,
    CONSTRAINT places__code UNIQUE (code)
);
CREATE INDEX places_parent ON places(parent_id);
CREATE INDEX places_province_kind ON places(province_id, kind);

CREATE TABLE org_units (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES org_units(id),
    kind        TEXT NOT NULL CHECK (kind IN ('hq', 'province', 'county')),
    code        TEXT NOT NULL,
    name_fa     TEXT NOT NULL,
    name_en     TEXT,
    place_id    INTEGER REFERENCES places(id),
    path        TEXT NOT NULL,
    province_id INTEGER,
    created_at  INTEGER NOT NULL,
    CONSTRAINT org_units__code UNIQUE (code),
    CONSTRAINT org_units__path UNIQUE (path)
);
CREATE INDEX org_units_parent ON org_units(parent_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES org_units(id),
    active        INTEGER NOT NULL DEFAULT 1,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT users__username UNIQUE (username)
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id),
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER,
    CONSTRAINT api_tokens__token_hash UNIQUE (token_hash)
);

CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       INTEGER NOT NULL,
    success  INTEGER NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts(username, at);
CREATE INDEX login_attempts_address ON login_attempts(address, at);

CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor_unit_id INTEGER,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    before_json   TEXT,
    after_json    TEXT,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id, at);

-- The head of the chain: the last entry's number and hash. Every write transaction
-- updates this row first, which orders writers.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
