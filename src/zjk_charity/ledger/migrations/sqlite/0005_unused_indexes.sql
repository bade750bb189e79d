-- 0005: indexes (or parts of them) that no query used, each costing the inserts that
-- keep it sorted. allocation_people(allocation_id, id_number): explain, finalize and the
-- reports read an allocation by its primary key in seq order; sorting 100,000 random IDs
-- into it took 0.25 s of aid allocate. applicants(year, id_number): applicants are read
-- by file, or by year alone (reports, purge, "anything validated?"); the ID part cost
-- aid validate 0.75 s at 100,000 rows (its pages spilled from the cache and were
-- written again at commit). The year part stays. aid_findings(file_id): the first column
-- of aid_findings_row, which serves the same look-ups.
DROP INDEX IF EXISTS allocation_people_id;
DROP INDEX IF EXISTS applicants_year;
DROP INDEX IF EXISTS aid_findings_file;
CREATE INDEX applicants_year ON applicants(year)
