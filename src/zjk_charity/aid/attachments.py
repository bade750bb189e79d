"""Certificate screenshots in the attachments folder (--attachments DIR)."""

from __future__ import annotations

from pathlib import Path

from zjk_charity.errors import UserError

_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"%PDF-")


class Attachments:
    """Finds a certificate by its relative path under DIR, else by file name anywhere below it."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise UserError(
                f"附件文件夹 {root} 不存在或不是文件夹；请检查 --attachments 的路径",
                f"attachments folder {root} does not exist",
            )
        self.root = root
        self._by_name: dict[str, Path] = {}
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self._by_name.setdefault(path.name.casefold(), path)

    def problem(self, reference: str) -> tuple[str, str] | None:
        """None when the file is usable, else the reason (zh, en)."""
        direct = self.root / reference
        path = direct if direct.is_file() else self._by_name.get(Path(reference).name.casefold())
        if path is None:
            return ("在附件文件夹中找不到", "is not in the attachments folder")
        with path.open("rb") as handle:
            head = handle.read(8)
        if not head:
            return ("是空文件", "is an empty file")
        if not head.startswith(_MAGIC):
            return ("不是 PNG、JPEG 或 PDF 文件", "is not a PNG, JPEG or PDF file")
        return None
