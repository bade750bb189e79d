-- 0007: integrity screening (integrity.md). The reference lists auditors use (the
-- platform's 特困 roster, care homes, deaths, relatives of staff), each with the file it
-- came from; the reviews of warnings (aid accept); and history rows whose ID fails its
-- check character, kept so they can still be matched as "likely the same person".
CREATE TABLE ref_lists (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,               -- tekun | institution | deaths | relatives
    name TEXT NOT NULL,               -- the file's name
    path TEXT NOT NULL,               -- resolved path when loaded
    sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL,            -- people stored from it
    counties TEXT NOT NULL,           -- JSON: the county codes it covers, sorted
    as_of TEXT NOT NULL,              -- the list's date (--as-of, default the load day), ISO
    run_id INTEGER NOT NULL REFERENCES runs(id),
    replaced_by INTEGER REFERENCES ref_lists(id)  -- NULL: in force; its people are deleted
);
CREATE INDEX ref_lists_kind ON ref_lists(kind, replaced_by);

CREATE TABLE ref_people (
    list_id INTEGER NOT NULL REFERENCES ref_lists(id) ON DELETE CASCADE,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    id_number TEXT NOT NULL,          -- normalised like an applicant's
    name TEXT NOT NULL DEFAULT '',
    county_code TEXT,                 -- from 县(区), else from the ID (retired codes mapped)
    detail TEXT NOT NULL DEFAULT '{}' -- JSON: death_date | institution | relation, staff | certificate
);
CREATE INDEX ref_people_list ON ref_people(list_id);

CREATE TABLE warning_reviews (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    id_number TEXT NOT NULL,
    code TEXT NOT NULL,               -- a warning code (integrity.md, aid.md)
    note TEXT NOT NULL,
    operator TEXT NOT NULL,
    at TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id)
);
CREATE INDEX warning_reviews_person ON warning_reviews(year, id_number, code);

-- 0: the ID fails its check character. Such a row never matches an applicant's ID
-- exactly (an applicant's ID must pass); it can only match as "likely the same person".
ALTER TABLE history ADD COLUMN id_checked INTEGER NOT NULL DEFAULT 1;
