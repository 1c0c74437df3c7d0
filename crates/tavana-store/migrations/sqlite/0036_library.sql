-- The knowledge library: veterans' oral history, linked to the positions whose
-- holders and successors should find it. The search index (tantivy) is built
-- from these rows; they are the truth.
CREATE TABLE library_items (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    title       TEXT NOT NULL,
    narrator    TEXT NOT NULL,
    -- A JSON array of topics.
    topics      TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    transcript  TEXT NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX library_items_unit ON library_items(unit_id);

CREATE TABLE library_item_positions (
    item_id     INTEGER NOT NULL REFERENCES library_items(id),
    position_id INTEGER NOT NULL REFERENCES positions(id),
    PRIMARY KEY (item_id, position_id)
);
CREATE INDEX library_item_positions_position ON library_item_positions(position_id);

-- Audio, video and documents, their type found from their content.
CREATE TABLE library_attachments (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES library_items(id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('audio', 'video', 'document')),
    media_type TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    content    BLOB NOT NULL,
    added_by   INTEGER NOT NULL REFERENCES users(id),
    added_at   INTEGER NOT NULL
);
CREATE INDEX library_attachments_item ON library_attachments(item_id);
