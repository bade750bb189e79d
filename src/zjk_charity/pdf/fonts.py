"""Which Chinese font a PDF uses: the ``pdf_font`` setting, else one found on the system.

The PDF engine (typst) draws only fonts it is given and embeds a subset of each, so a
PDF looks the same on every machine that opens it. This module picks them:

1. ``pdf_font`` from zjk-charity.toml (a .ttf, .otf or .ttc file; for a collection, the
   Simplified Chinese face when it has one), else
2. the first family of :data:`PREFERRED` installed on the system: the engine's own font
   search (Windows: ``%WINDIR%\\Fonts`` and the user's fonts folder, SimSun and Microsoft
   YaHei; macOS: /System/Library/Fonts, /Library/Fonts, ~/Library/Fonts and the
   downloadable assets, PingFang, STHeiti, Songti; Linux: the folders fontconfig is set
   up with, Noto CJK, WenQuanYi), else
3. where ``fc-match`` exists, the font fontconfig names for Simplified Chinese, else
4. any other installed font large enough to be a CJK font that covers :data:`SAMPLE`.

The other preferred families found stay available as fallbacks for characters the
chosen font lacks (see :mod:`zjk_charity.pdf.glyphs`). When no Chinese font is found,
:class:`PdfUnavailable` says what to install. typst is imported only inside functions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zjk_charity.errors import UserError

# Simplified Chinese families, best first. Sans before serif: both print well, sans is
# easier to read in the small type of a table. Whatever a machine has of these is found.
PREFERRED: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "SimSun",
    "Songti SC",
    "STSong",
    "Heiti SC",
    "STHeiti",
    "SimHei",
    "DengXian",
    "Hiragino Sans GB",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans SC",
    "Noto Serif SC",
    "AR PL UMing CN",
    "AR PL SungtiL GB",
    "Droid Sans Fallback",
)
# Characters every form and report prints: a font lacking any of them is no Chinese font.
SAMPLE = "福彩暖冬申请审批表张家口县乡镇村签字日期元人"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
# Magic numbers of the font files the engine reads: TrueType, OpenType/CFF, collections.
FONT_MAGIC = (b"\x00\x01\x00\x00", b"true", b"OTTO", b"ttcf")
# A CJK font holds tens of thousands of glyphs; smaller files are not worth opening in
# the last-resort search.
_CJK_MIN_BYTES = 1_000_000

INSTALL_ZH = (
    "未找到中文字体，无法生成 PDF。请安装一种中文字体：Windows 自带宋体、微软雅黑"
    "（C:\\Windows\\Fonts 中的 simsun.ttc、msyh.ttc），macOS 自带苹方、华文黑体；"
    "Debian/Ubuntu：sudo apt-get install fonts-noto-cjk（或 fonts-wqy-zenhei），"
    "Fedora：sudo dnf install google-noto-sans-cjk-fonts；"
    '或在 zjk-charity.toml 中设置 pdf_font = "字体文件路径"（.ttf、.otf 或 .ttc）'
)
INSTALL_EN = (
    "no Chinese font found, so no PDF. Install one: Windows has SimSun and Microsoft YaHei "
    "(simsun.ttc, msyh.ttc in C:\\Windows\\Fonts), macOS has PingFang and STHeiti; "
    "Debian/Ubuntu: sudo apt-get install fonts-noto-cjk (or fonts-wqy-zenhei), "
    "Fedora: sudo dnf install google-noto-sans-cjk-fonts; "
    'or set pdf_font = "path/to/font.ttf|.otf|.ttc" in zjk-charity.toml'
)


class PdfUnavailable(UserError):
    """No PDF can be made on this machine (no Chinese font, no engine); the message says
    what to install. A report writes its HTML and XLSX anyway; a form command stops."""


@dataclass(frozen=True)
class Font:
    """One face of a font file, under the family name the engine selects it by."""

    family: str
    path: Path
    index: int = 0  # the face in a .ttc collection


@dataclass(frozen=True)
class FontChoice:
    """The fonts of a document: ``fonts[0]`` prints everything it can, the others only
    characters it lacks. ``book`` is the engine's font collection holding them."""

    fonts: tuple[Font, ...]
    book: Any
    source: str  # "pdf_font" or "system"

    @property
    def families(self) -> list[str]:
        return [f.family for f in self.fonts]


def is_font_file(path: Path) -> bool:
    """True when ``path`` starts like a TrueType, OpenType (CFF) or collection file."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) in FONT_MAGIC
    except OSError:
        return False


def load_typst() -> Any:
    try:
        import typst
    except ImportError as exc:  # a platform without a typst wheel, or a broken install
        raise PdfUnavailable(
            f"无法加载 PDF 引擎 typst（{exc}）；请运行 pip install typst",
            f"the PDF engine typst cannot be loaded ({exc}); run pip install typst",
        ) from None
    return typst


def _faces(book: Any) -> list[Any]:
    return [f for f in book.fonts() if f.path]


def _regular(faces: Iterable[Any]) -> Any | None:
    """The upright face nearest to weight 400 (WenQuanYi's regular is 500)."""
    upright = [f for f in faces if f.style == "normal"]
    return min(upright, key=lambda f: (abs(f.weight - 400), f.index), default=None)


def _font(face: Any) -> Font:
    return Font(face.family, Path(face.path), face.index)


def _preferred(faces: Sequence[Any], exclude: frozenset[Path] = frozenset()) -> list[Font]:
    found = []
    for family in PREFERRED:
        face = _regular(f for f in faces if f.family == family and Path(f.path) not in exclude)
        if face is not None:
            found.append(_font(face))
    return found


def _fc_match() -> list[Path]:
    """The files fontconfig names first for Simplified Chinese (it always names some font;
    the caller checks that it covers Chinese)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return []
    try:
        found = subprocess.run(
            [fc_match, "-s", "-f", "%{file}\n", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [Path(line) for line in found.stdout.splitlines()[:5] if line]


def _covers_sample(font: Font) -> bool:
    from zjk_charity.pdf.glyphs import coverage

    try:
        return not coverage(font).missing(SAMPLE)
    except UserError:
        return False


def _last_resort(faces: Sequence[Any]) -> Font | None:
    """Another font that covers :data:`SAMPLE`: fontconfig's choice, else any large one."""
    by_path: dict[Path, list[Any]] = {}
    for face in faces:
        by_path.setdefault(Path(face.path), []).append(face)
    named = [p for p in _fc_match() if p in by_path]
    large = [p for p in by_path if p not in named and _size(p) >= _CJK_MIN_BYTES]
    for path in [*named, *sorted(large)]:
        face = _regular(by_path[path]) or by_path[path][0]
        if _covers_sample(_font(face)):
            return _font(face)
    return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def system_book(folders: Sequence[Path] | None = None) -> Any:
    """The engine's font collection: the system's fonts, or only those under ``folders``
    (tests pass a folder of their own). The engine's built-in Latin fonts are included."""
    typst = load_typst()
    if folders is None:
        return typst.Fonts(include_system_fonts=True, include_embedded_fonts=True)
    return typst.Fonts(
        include_system_fonts=False,
        include_embedded_fonts=True,
        font_paths=[str(f) for f in folders if f.is_dir()],
    )


@contextmanager
def pdf_fonts(
    pdf_font: Path | None = None, folders: Sequence[Path] | None = None
) -> Iterator[FontChoice]:
    """The fonts a PDF is drawn with, or :class:`PdfUnavailable` naming what to install.

    ``pdf_font`` (the setting, already checked to be a font file) comes first; the
    system's (or ``folders``') preferred families follow as fallbacks. The engine reads
    fonts from folders only, so the ``pdf_font`` file is linked (or copied, where links
    are not allowed) into a private folder for the time of the block: the folder it sits
    in may be a large one (Downloads) that the engine would otherwise search through.
    """
    book = system_book(folders)
    faces = _faces(book)
    if pdf_font is None:
        fonts = _preferred(faces)
        if not fonts:
            extra = _last_resort(faces)
            if extra is None:
                raise PdfUnavailable(INSTALL_ZH, INSTALL_EN)
            fonts = [extra]
        yield FontChoice(tuple(fonts), book, "system")
        return
    with tempfile.TemporaryDirectory(prefix="zjk-charity-font-") as temp:
        chosen, book = _setting_font(pdf_font, Path(temp), folders)
        yield FontChoice((chosen, *_preferred(faces, frozenset({chosen.path}))), book, "pdf_font")


def _setting_font(path: Path, folder: Path, folders: Sequence[Path] | None) -> tuple[Font, Any]:
    """The ``pdf_font`` file's face (the Simplified Chinese one of a collection) and a
    collection holding it (linked into ``folder``) beside the system's fonts."""
    typst = load_typst()
    _link(path, folder / f"pdf_font{path.suffix.lower() or '.ttf'}")
    own = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(folder)]
    )
    faces = _faces(own)
    if not faces:
        raise UserError(
            f"设置项 pdf_font 指定的 {path} 无法作为字体读取；请换一个 .ttf、.otf 或 .ttc 字体文件",
            f"pdf_font: {path} cannot be read as a font; name another .ttf, .otf or .ttc file",
        )
    face = _collection_face(faces)
    paths = [str(folder), *(str(f) for f in folders or [] if f.is_dir())]
    book = typst.Fonts(
        include_system_fonts=folders is None, include_embedded_fonts=True, font_paths=paths
    )
    return Font(face.family, path, face.index), book


def _collection_face(faces: Sequence[Any]) -> Any:
    """The face of a collection to print Chinese with: a preferred family, one named for
    Simplified Chinese (SC, CN, GB), else the first upright regular face."""
    for family in PREFERRED:
        for face in faces:
            if face.family == family:
                return face
    for face in faces:
        if face.family.split()[-1] in {"SC", "CN", "GB"}:
            return face
    return _regular(faces) or faces[0]


def _link(source: Path, target: Path) -> None:
    """``target`` names the bytes of ``source``: a symbolic link, else a hard link, else a
    copy (Windows allows the first only in developer mode and the second only on one
    volume)."""
    for make in (os.symlink, os.link):
        try:
            make(source.resolve(), target)
            return
        except (OSError, NotImplementedError):
            continue
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        raise UserError(
            f"无法读取设置项 pdf_font 指定的字体 {source}（{exc.strerror or exc}）",
            f"cannot read the pdf_font {source} ({exc.strerror or exc})",
        ) from None
