-- 0003: 福彩暖冬 allocations. Each `aid allocate` run keeps its parameters, its result and
-- a snapshot of every applicant row it placed, so that the lists, the bank file, `aid
-- explain` and `aid finalize` read what was decided even after files are validated again.
CREATE TABLE allocations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    year INTEGER NOT NULL,
    as_of TEXT NOT NULL,
    budget TEXT NOT NULL,
    per_person TEXT NOT NULL,
    quota_total INTEGER NOT NULL,
    funded INTEGER NOT NULL,
    amount TEXT NOT NULL,
    unspent TEXT NOT NULL,
    rule TEXT NOT NULL,               -- JSON: the priority classes used
    quotas TEXT,                      -- JSON {county code: quota} from --quotas, or NULL
    inputs TEXT NOT NULL,             -- JSON: the validated files drawn on [{path, sha256}]
    document TEXT NOT NULL,           -- the --json document
    finalized_run_id INTEGER REFERENCES runs(id)
);
CREATE INDEX allocations_year ON allocations(year, id);

CREATE TABLE allocation_people (
    allocation_id INTEGER NOT NULL REFERENCES allocations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,             -- campaign file order
    file TEXT NOT NULL,
    sheet TEXT NOT NULL,
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
    apply_date TEXT,
    exception_note TEXT,
    errors TEXT,                      -- the row's error codes, comma-separated
    status TEXT NOT NULL,             -- funded | waitlist | excluded
    reason TEXT,                      -- ERROR | REPEAT | HOUSEHOLD | QUOTA
    priority INTEGER,
    rank INTEGER,
    county_rank INTEGER,
    position INTEGER,
    county_position INTEGER,
    better_seq INTEGER,               -- HOUSEHOLD: seq of the member who stays
    amount TEXT,
    PRIMARY KEY (allocation_id, seq)
);
CREATE INDEX allocation_people_id ON allocation_people(allocation_id, id_number)
