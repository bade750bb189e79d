-- 0002: find a row's findings by (file, sheet, row) without scanning the file's findings.
-- Without it, flagging has_error/has_warning for 100,000 applicants took close to an hour.
CREATE INDEX aid_findings_row ON aid_findings(file_id, sheet, row, severity);
