"""An applicant as the rules see it, after normalisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from zjk_charity.findings import Finding, Severity


@dataclass
class Applicant:
    file: str
    sheet: str
    sheet_index: int
    row: int
    cells: list[str]  # the row's original cells as text, in the sheet's column order
    county_code: str | None = None
    county: str | None = None
    township: str = ""
    village: str = ""
    name: str = ""
    id_number: str | None = None  # normalised (15-digit IDs upgraded); None if unusable
    birth_date: date | None = None
    sex: str | None = None
    household: str = ""
    care_level: str = "自理"
    bank: str = ""
    account: str = ""
    phone: str = ""
    apply_date: date | None = None
    prior_years: str = ""
    exception_note: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_error(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def has_warning(self) -> bool:
        return any(f.severity is Severity.WARNING for f in self.findings)
