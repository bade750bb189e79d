-- 0001: runs, the history registry, and 福彩暖冬 applications with their findings.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    arguments TEXT NOT NULL,          -- JSON
    inputs TEXT NOT NULL,             -- JSON: [{"path": ..., "sha256": ...}]
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,                     -- ok | problems
    result TEXT                       -- JSON summary
);

CREATE TABLE history (
    year INTEGER NOT NULL,
    id_number TEXT NOT NULL,
    name TEXT,
    county TEXT,
    source TEXT NOT NULL,             -- file name, or "finalize"
    run_id INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (year, id_number)
);
CREATE INDEX history_id ON history(id_number);

CREATE TABLE aid_files (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    sheets TEXT NOT NULL,             -- JSON: [{"name":..., "header_row":..., "rows":...}]
    run_id INTEGER NOT NULL REFERENCES runs(id),
    UNIQUE (year, path)
);

CREATE TABLE applicants (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES aid_files(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    sheet TEXT NOT NULL,
    sheet_index INTEGER NOT NULL,
    row INTEGER NOT NULL,
    county_code TEXT,
    county TEXT,
    township TEXT,
    village TEXT,
    name TEXT,
    id_number TEXT,
    birth_date TEXT,
    sex TEXT,
    household TEXT,
    care_level TEXT,
    bank TEXT,
    account TEXT,
    phone TEXT,
    apply_date TEXT,
    prior_years TEXT,
    exception_note TEXT,
    has_error INTEGER NOT NULL DEFAULT 0,
    has_warning INTEGER NOT NULL DEFAULT 0,
    cells TEXT NOT NULL               -- JSON: the original cells of the row, by header
);
CREATE INDEX applicants_year ON applicants(year, id_number);
CREATE INDEX applicants_file ON applicants(file_id);

CREATE TABLE aid_findings (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES aid_files(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    sheet TEXT NOT NULL,
    row INTEGER,
    column_name TEXT,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    params TEXT NOT NULL,             -- JSON
    campaign_wide INTEGER NOT NULL DEFAULT 0  -- 1: DUPLICATE_PERSON / HOUSEHOLD_SHARED, recomputed
);
CREATE INDEX aid_findings_file ON aid_findings(file_id);
CREATE INDEX aid_findings_year ON aid_findings(year, campaign_wide);
