"""``zjk-charity demo``: the 2025 campaign on the packaged sample data, in a fresh workspace.

It grows with each capability; today: history import and validation.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from zjk_charity.aid.history import import_history
from zjk_charity.aid.markup import write_markup
from zjk_charity.aid.validation import validate
from zjk_charity.errors import UserError
from zjk_charity.ledger import Ledger

YEAR = 2025


@dataclass
class DemoSummary:
    workspace: Path
    lines: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def sample_data_dir() -> Path:
    """``sample_data/`` of the source tree, or the copy packaged in the wheel."""
    source = Path(__file__).resolve().parents[2] / "sample_data"
    if source.is_dir():
        return source
    return Path(str(resources.files("zjk_charity") / "sample_data"))


def run_demo(out: Path | None = None) -> DemoSummary:
    data = sample_data_dir()
    history_files = sorted(data.glob("history_*.xlsx"))
    applications = sorted(
        p
        for p in data.iterdir()
        if p.suffix in {".xlsx", ".xls", ".csv"} and not p.name.startswith("history_")
    )
    if not applications:
        raise UserError(f"找不到演示数据 {data}", f"no sample data in {data}")
    root = (out or Path(tempfile.mkdtemp(prefix="zjk-charity-demo-"))).resolve()
    root.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(root / "zjk-charity.db")
    summary = DemoSummary(root, [f"演示工作目录：{root}"])
    for path in history_files:
        year = int(path.stem.split("_")[1])
        imported = import_history(ledger, [path], year, {"files": [str(path)], "year": year})
        summary.lines.append(f"导入 {year} 年受助名单：{imported.imported} 人")
    result = validate(
        ledger,
        applications,
        year=YEAR,
        as_of=date(YEAR, 10, 20),
        arguments={"files": [str(p) for p in applications], "demo": True},
    )
    s = result.summary
    summary.lines.append(
        f"校验 {len(applications)} 个申请表：{s['rows']} 人，符合条件 {s['eligible']} 人，"
        f"有错误 {s['with_errors']} 人，有警告 {s['with_warnings']} 人"
    )
    for code, count in sorted(result.by_code().items()):
        summary.lines.append(f"  {code}: {count}")
    summary.written.append(write_markup(result, root / "out" / f"校验结果-{YEAR}.xlsx"))
    summary.written.append(ledger.path)
    summary.lines.append("写出的文件：")
    return summary
