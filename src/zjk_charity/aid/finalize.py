"""``aid finalize``: the latest allocation's funded people enter the history registry.

Once per campaign year; refused when applications were validated again after the
allocation (the stored outcome would no longer match the campaign).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zjk_charity.aid import campaign_name
from zjk_charity.aid.allocation import campaign_inputs, is_finalized, load_allocation
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger


@dataclass
class Finalized:
    year: int
    allocation_id: int
    added: int
    already: int

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": campaign_name(self.year),
            "allocation": self.allocation_id,
            "added": self.added,
            "already": self.already,
        }


def finalize(ledger: Ledger, year: int, arguments: dict[str, Any] | None = None) -> Finalized:
    """Record the latest allocation's funded people in the history registry, once."""
    a = load_allocation(ledger, year)
    with ledger.run("aid finalize", arguments or {"year": year}) as run:
        conn = run.conn
        if is_finalized(conn, year):
            raise UserError(
                f"{year} 年的分配已经定稿，受助名单已在往年名单中；不能再次定稿",
                f"the {year} allocation was already finalized",
            )
        if campaign_inputs(conn, year) != a.inputs:
            raise UserError(
                "分配之后又校验过申请表，最新分配结果已过时；请重新运行 zjk-charity aid allocate 后再定稿",
                "applications were validated again after the allocation; allocate again first",
            )
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO history (year, id_number, name, county, source, run_id) "
            "VALUES (?, ?, ?, ?, 'finalize', ?)",
            ((year, e.id_number, e.name, e.county, run.id) for e in a.funded),
        )
        added = conn.total_changes - before
        conn.execute("UPDATE allocations SET finalized_run_id = ? WHERE id = ?", (run.id, a.id))
        result = Finalized(year, a.id, added, len(a.funded) - added)
        run.result = result.as_json()
    return result
