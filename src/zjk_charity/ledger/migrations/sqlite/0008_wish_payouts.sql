-- 0008: 微心愿 after the match (payout.md, "微心愿 payouts"). Payments of 资金 wishes and
-- the 采购清单 of 物资 wishes live in the payments store of 0006 (purpose 'wishes'; a
-- purchase list is a batch whose method is 'purchase' and whose lines are 'purchasing').
-- Here: the delivery of each wish (送达), and what donors decided for a designated
-- balance or goods set aside (donations settle). Amounts are integer fen, as in 0004.
CREATE TABLE wish_deliveries (
    id INTEGER PRIMARY KEY,
    wish_id TEXT NOT NULL UNIQUE REFERENCES wishes(wish_id),  -- delivered once
    delivered_on TEXT NOT NULL,       -- 送达日期, ISO
    handler TEXT NOT NULL,            -- 经办人
    photo TEXT NOT NULL DEFAULT '',   -- 照片: a file name, as the delivery file gives it
    file TEXT NOT NULL,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id)
);

CREATE TABLE donation_settlements (
    id INTEGER PRIMARY KEY,
    donation_id TEXT NOT NULL REFERENCES donations(donation_id),
    target TEXT NOT NULL CHECK (target IN ('general', 'wish', 'refund')),
    wish_id TEXT REFERENCES wishes(wish_id),  -- target 'wish': the wish it went to
    -- fen: general and refund, the whole balance decided on; wish, what that wish took
    -- (a match with basis 'designated' of the same run; any rest still waits)
    amount INTEGER NOT NULL CHECK (amount > 0),
    note TEXT NOT NULL,
    operator TEXT NOT NULL,
    at TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id)
);
CREATE INDEX donation_settlements_donation ON donation_settlements(donation_id);
