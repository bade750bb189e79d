-- 0004: 微心愿 (wishes.md). Wishes and donations are stored once and never changed:
-- importing the same row again changes nothing, and a changed row is refused. Amounts are
-- integer fen. Each match records the run that made it and its basis, and earlier runs'
-- matches are never changed, so what a donor's money did can always be shown.
-- wish_matches has no index besides its key: every query reads all of it (sums per wish
-- and per donation), and two indexes doubled the time to store 200,000 matches.
CREATE TABLE wishes (
    wish_id TEXT PRIMARY KEY,         -- 心愿编号
    county_code TEXT NOT NULL,
    county TEXT NOT NULL,
    child_name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    category TEXT NOT NULL,           -- canonical 困境类别
    kind TEXT NOT NULL,               -- 资金 or 物资
    content TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    registered TEXT NOT NULL,         -- 登记日期, ISO
    guardian TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    account TEXT NOT NULL DEFAULT '',
    file TEXT NOT NULL,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id)
);
CREATE INDEX wishes_child ON wishes(id_number);

CREATE TABLE donations (
    donation_id TEXT PRIMARY KEY,     -- 捐赠编号
    donor TEXT NOT NULL,              -- 匿名 for anonymous donors
    kind TEXT NOT NULL,               -- 资金 or 物资
    amount INTEGER NOT NULL CHECK (amount > 0),
    received TEXT NOT NULL,           -- 到账日期, ISO
    goods TEXT NOT NULL DEFAULT '',
    wish_id TEXT REFERENCES wishes(wish_id),  -- 定向心愿
    category TEXT,                    -- 定向类别
    county_code TEXT,                 -- 定向县区
    county TEXT,
    note TEXT NOT NULL DEFAULT '',
    file TEXT NOT NULL,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id)
);
CREATE INDEX donations_wish ON donations(wish_id);

CREATE TABLE wish_matches (
    id INTEGER PRIMARY KEY,           -- the order the rule made them in
    run_id INTEGER NOT NULL REFERENCES runs(id),
    donation_id TEXT NOT NULL REFERENCES donations(donation_id),
    wish_id TEXT NOT NULL REFERENCES wishes(wish_id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    basis TEXT NOT NULL CHECK (basis IN ('designated', 'category+county', 'category', 'county', 'general'))
)
