-- 0005: drop allocation_people(allocation_id, id_number). No query ever used it (explain,
-- finalize and the reports read an allocation's rows by its primary key, in seq order),
-- and keeping 100,000 IDs in random order sorted cost aid allocate about 0.3 s.
DROP INDEX IF EXISTS allocation_people_id
