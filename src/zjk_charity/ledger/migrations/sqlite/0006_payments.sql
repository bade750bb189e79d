-- 0006: after the list (payout.md). Changes to an allocation's funded list (withdrawals
-- and 递补), and one payments store shared by 福彩暖冬 and 微心愿: batches (a bank file or
-- a cash sheet), one instruction per payee per batch, every applied bank result row,
-- and corrected accounts. An allocation row (allocation_people) is never rewritten: the
-- funded list of today is the allocation plus these changes.
CREATE TABLE aid_changes (
    id INTEGER PRIMARY KEY,
    allocation_id INTEGER NOT NULL REFERENCES allocations(id),
    seq INTEGER NOT NULL,             -- the person: allocation_people.seq
    kind TEXT NOT NULL,               -- withdrawn | backfilled
    reason TEXT,                      -- withdrawn: 去世 | 放弃 | 复审未通过 | 无法联系 | 其他
    note TEXT,
    related_seq INTEGER,              -- withdrawn: who took the place (NULL: none),
                                      -- backfilled: whose place was taken
    operator TEXT NOT NULL,
    at TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    notice_run_id INTEGER REFERENCES runs(id),  -- backfilled: the 补充公示 that posted them
    notice_from TEXT,                 -- backfilled: first day of that 补充公示
    notice_days INTEGER,
    UNIQUE (allocation_id, seq, kind)
);

CREATE TABLE payment_batches (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,        -- P2025-001 (bank file), C2025-001 (cash sheet)
    purpose TEXT NOT NULL,            -- aid | wishes
    year INTEGER NOT NULL,
    method TEXT NOT NULL,             -- bank | cash
    profile TEXT,                     -- the bank profile's name (bank batches)
    retry INTEGER NOT NULL DEFAULT 0, -- 1: aid pay --retry
    count INTEGER NOT NULL,
    amount TEXT NOT NULL,
    files TEXT NOT NULL,              -- JSON [{"path", "sha256", "rows", "amount"}]
    run_id INTEGER NOT NULL REFERENCES runs(id)
);

CREATE TABLE payment_instructions (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES payment_batches(id),
    line INTEGER NOT NULL,            -- 序号 in the batch, 1.. across split files
    purpose TEXT NOT NULL,
    year INTEGER NOT NULL,
    payee TEXT NOT NULL,              -- aid: the ID number; wishes: the wish's 编号
    county TEXT,
    name TEXT NOT NULL,               -- 户名 as sent
    account TEXT NOT NULL DEFAULT '',
    bank TEXT NOT NULL DEFAULT '',
    amount TEXT NOT NULL,
    state TEXT NOT NULL,              -- pending | paid | failed | cash_pending | cancelled
    reason TEXT,                      -- the bank's failure reason, or why cancelled
    paid_on TEXT,                     -- cash: the date on the signed sheet
    double INTEGER NOT NULL DEFAULT 0, -- 1: a success for a payee already paid (to recover)
    updated_run_id INTEGER REFERENCES runs(id),
    UNIQUE (batch_id, line)
);
CREATE INDEX payment_instructions_payee ON payment_instructions(purpose, year, payee);

CREATE TABLE payment_results (
    id INTEGER PRIMARY KEY,
    instruction_id INTEGER NOT NULL REFERENCES payment_instructions(id),
    run_id INTEGER NOT NULL REFERENCES runs(id),
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    status TEXT NOT NULL,             -- success | failure | pending
    reason TEXT,
    UNIQUE (sha256, sheet, row)
);

CREATE TABLE payee_accounts (
    id INTEGER PRIMARY KEY,
    purpose TEXT NOT NULL,
    year INTEGER NOT NULL,
    payee TEXT NOT NULL,
    name TEXT NOT NULL,               -- 户名
    account TEXT NOT NULL,
    bank TEXT NOT NULL,
    file TEXT,
    row INTEGER,
    run_id INTEGER NOT NULL REFERENCES runs(id)
);
CREATE INDEX payee_accounts_payee ON payee_accounts(purpose, year, payee)
