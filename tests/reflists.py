"""Reference lists put straight into a ledger (what ``lists import`` stores, migration 0007).

The tests of the re-checks and reviews need lists without depending on the import
command: :func:`load_list` writes one list and its people the way
``integrity.reference.load_reference`` reads them, and replaces the list in force of the
same kind and counties, as ``lists import`` does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from backends import ledger_at
from zjk_charity.counties import county_of_id


@dataclass
class Listed:
    """One person of a list: ID, name, and the kind's detail (death_date, institution,
    relation and staff); county from the ID unless given."""

    id_number: str
    name: str = ""
    county: str | None = None
    detail: dict[str, str] = field(default_factory=dict)


def load_list(
    ws: Path,
    kind: str,
    people: list[Listed],
    *,
    name: str | None = None,
    as_of: str = "2025-11-01",
    counties: list[str] | None = None,
) -> int:
    """Store a list of ``kind`` in the workspace's ledger; its id."""
    ledger = ledger_at(ws)
    codes = [p.county or _county(p.id_number) for p in people]
    covered = sorted(set(counties if counties is not None else [c for c in codes if c]))
    file_name = name or f"{kind}.xlsx"
    digest = hashlib.sha256(json.dumps([kind, file_name, [p.id_number for p in people]]).encode())
    with ledger.run("lists import", {"kind": kind, "file": file_name}) as run:
        cursor = run.conn.execute(
            "INSERT INTO ref_lists (kind, name, path, sha256, rows, counties, as_of, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                kind,
                file_name,
                f"/lists/{file_name}",
                digest.hexdigest(),
                len(people),
                json.dumps(covered),
                as_of,
                run.id,
            ),
        )
        (list_id,) = cursor.fetchone()
        older = [
            r[0]
            for r in run.conn.execute(
                "SELECT id FROM ref_lists WHERE kind = ? AND counties = ? AND id != ? "
                "AND replaced_by IS NULL",
                (kind, json.dumps(covered), list_id),
            )
        ]
        for old in older:
            run.conn.execute("UPDATE ref_lists SET replaced_by = ? WHERE id = ?", (list_id, old))
            run.conn.execute("DELETE FROM ref_people WHERE list_id = ?", (old,))
        for row, (p, code) in enumerate(zip(people, codes, strict=True), start=2):
            run.conn.execute(
                "INSERT INTO ref_people (list_id, sheet, row, id_number, name, county_code, "
                "detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (list_id, "Sheet1", row, p.id_number, p.name, code, json.dumps(p.detail)),
            )
    return list_id


def _county(id_number: str) -> str | None:
    county = county_of_id(id_number)
    return county.code if county else None
