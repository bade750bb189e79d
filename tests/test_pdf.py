"""The PDF engine: fonts found or not, the pdf_font setting, characters a font lacks,
markup in the data, and no system library (Pango, Cairo) anywhere on the PDF path."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from pypdf import PdfReader

from fontmaker import BASIC, make_font
from zjk_charity.config import Workspace, load_settings
from zjk_charity.errors import UserError
from zjk_charity.pdf import PLACEHOLDER, PdfUnavailable, pdf_fonts, render_pdf

ROOT = Path(__file__).resolve().parents[1]
RARE = "\U0002020c"  # 𠈌, a 生僻字 of names (CJK Extension B)
ABSENT = "\U00031350"  # CJK Extension H: in no font of these tests

NAME_TEMPLATE = """\
#let data = json(bytes(sys.inputs.data))
#let fonts = json(bytes(sys.inputs.fonts))
#set text(font: fonts)
姓名：#data.name
"""


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.typ").write_text(NAME_TEMPLATE, encoding="utf-8")
    return folder


def _text(pdf: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_a_preferred_family_in_the_folders_is_found(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    make_font(fonts / "latin.ttf", "Some Latin")
    make_font(fonts / "wqy.ttf", "WenQuanYi Zen Hei")
    make_font(fonts / "noto.ttf", "Noto Sans CJK SC")
    with pdf_fonts(folders=[fonts]) as choice:
        assert choice.families == ["Noto Sans CJK SC", "WenQuanYi Zen Hei"]
        assert choice.fonts[0].path == fonts / "noto.ttf"
        assert choice.source == "system"


def test_no_chinese_font_says_what_to_install(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    make_font(fonts / "latin.ttf", "Some Latin", "".join(chr(c) for c in range(0x20, 0x7F)))
    for folders in ([fonts], [tmp_path / "empty"]):
        with pytest.raises(PdfUnavailable) as caught, pdf_fonts(folders=folders):
            pass
        assert "fonts-noto-cjk" in caught.value.zh and "pdf_font" in caught.value.zh
        assert "微软雅黑" in caught.value.zh and "Microsoft YaHei" in caught.value.en


def test_the_pdf_font_setting_is_read_relative_to_the_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    make_font(ws / "fonts" / "office.ttf", "Office Song")
    (ws / "zjk-charity.toml").write_text('pdf_font = "fonts/office.ttf"\n', encoding="utf-8")
    settings = load_settings(ws)
    assert settings.pdf_font == (ws / "fonts" / "office.ttf").resolve()
    system = tmp_path / "system"
    make_font(system / "noto.ttf", "Noto Sans CJK SC")
    with pdf_fonts(settings.pdf_font, folders=[system]) as choice:
        assert choice.families == ["Office Song", "Noto Sans CJK SC"]
        assert choice.source == "pdf_font"


def test_the_pdf_font_setting_expands_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    make_font(home / "fonts" / "mine.ttf", "My Song")
    monkeypatch.setenv("HOME", str(home))
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "zjk-charity.toml").write_text('pdf_font = "~/fonts/mine.ttf"\n', encoding="utf-8")
    assert load_settings(ws).pdf_font == (home / "fonts" / "mine.ttf").resolve()


@pytest.mark.parametrize("content", [None, b"not a font at all", b""])
def test_a_bad_pdf_font_setting_names_the_setting(tmp_path: Path, content: bytes | None) -> None:
    font = tmp_path / "song.ttf"
    if content is not None:
        font.write_bytes(content)
    (tmp_path / "zjk-charity.toml").write_text(f"pdf_font = '{font}'\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        Workspace.open(tmp_path)
    assert "pdf_font" in caught.value.zh and str(font) in caught.value.zh


def test_the_default_settings_document_pdf_font() -> None:
    from zjk_charity.config import DEFAULT_TOML, Settings

    text = DEFAULT_TOML.replace("# pdf_font = ", "pdf_font = ")
    assert tomllib.loads(text)["pdf_font"].endswith("simsun.ttc")
    assert Settings().pdf_font is None


def test_a_character_no_font_has_is_reported_and_printed_as_a_box(
    tmp_path: Path, templates: Path
) -> None:
    fonts = tmp_path / "fonts"
    make_font(fonts / "noto.ttf", "Noto Sans CJK SC", BASIC + "李明")
    target = tmp_path / "out.pdf"
    with pdf_fonts(folders=[fonts]) as choice:
        rendered = render_pdf("t.typ", {"name": f"李{ABSENT}明"}, target, choice, [templates])
    assert rendered.missing == {ABSENT}
    assert f"李{PLACEHOLDER}明" in _text(target)


def test_a_second_font_covers_what_the_first_lacks(tmp_path: Path, templates: Path) -> None:
    fonts = tmp_path / "fonts"
    make_font(fonts / "noto.ttf", "Noto Sans CJK SC", BASIC + "张")
    make_font(fonts / "wqy.ttf", "WenQuanYi Zen Hei", BASIC + "张" + RARE)
    target = tmp_path / "out.pdf"
    with pdf_fonts(folders=[fonts]) as choice:
        rendered = render_pdf("t.typ", {"name": f"张{RARE}"}, target, choice, [templates])
    assert rendered.missing == set()
    assert [f.family for f in rendered.fonts] == ["Noto Sans CJK SC", "WenQuanYi Zen Hei"]
    assert f"张{RARE}" in _text(target)


@pytest.mark.parametrize(
    "name", ['#panic("x")', "]", "*粗体*", "$x^2$", "@ref", "<label>", "#{1/0}", "\\", "= 标题"]
)
def test_markup_in_the_data_is_printed_as_text(tmp_path: Path, templates: Path, name: str) -> None:
    fonts = tmp_path / "fonts"
    make_font(fonts / "noto.ttf", "Noto Sans CJK SC", BASIC + "粗体标题")
    target = tmp_path / "out.pdf"
    with pdf_fonts(folders=[fonts]) as choice:
        render_pdf("t.typ", {"name": name}, target, choice, [templates])
    assert name.replace(" ", "") in _text(target).replace(" ", "")


def test_a_broken_workspace_template_is_a_user_error_naming_it(
    tmp_path: Path, templates: Path
) -> None:
    fonts = tmp_path / "fonts"
    make_font(fonts / "noto.ttf", "Noto Sans CJK SC")
    own = tmp_path / "ws-templates"
    own.mkdir()
    (own / "t.typ").write_text("#let x = (\n", encoding="utf-8")
    with pytest.raises(UserError) as caught, pdf_fonts(folders=[fonts]) as choice:
        render_pdf("t.typ", {"name": "x"}, tmp_path / "out.pdf", choice, [own, templates])
    assert str(own / "t.typ") in caught.value.zh
    assert not (tmp_path / "out.pdf").exists()


# ------------------------------------------------------------- no system libraries

PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from typer.testing import CliRunner
    from zjk_charity.cli.main import app

    result = CliRunner().invoke(app, sys.argv[1:])
    assert result.exit_code in (0, 1), result.output
    maps = Path("/proc/self/maps").read_text()
    libraries = sorted({line.split()[-1] for line in maps.splitlines() if ".so" in line})
    print("PANGO", [lib for lib in libraries if "pango" in lib or "cairo" in lib])
    print("MODULES", sorted(m for m in ("weasyprint", "cairocffi", "cffi", "pydyf") if m in sys.modules))
    """
)


def _chinese_font() -> bool:
    try:
        with pdf_fonts():
            return True
    except PdfUnavailable:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
@pytest.mark.skipif(
    not _chinese_font() and not os.environ.get("ZJK_CHARITY_REQUIRE_PDF"),
    reason="no Chinese font on this machine",
)
def test_a_pdf_is_made_without_pango_cairo_or_weasyprint(tmp_path: Path) -> None:
    """Renders the 申请审批表 of a workbook in a fresh process and lists what it loaded."""
    from conftest import good_row, write_workbook

    book = write_workbook(tmp_path / "apps.xlsx", [good_row()])
    target = tmp_path / "forms.pdf"
    args = ["aid", "forms", str(book), "--out", str(target), "-w", str(tmp_path / "ws")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")])}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=True
    )
    assert "PANGO []" in done.stdout and "MODULES []" in done.stdout, done.stdout
    assert len(PdfReader(target).pages) == 1


def test_weasyprint_is_gone_from_dependencies_and_code() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = " ".join(project["project"]["dependencies"]).lower()
    assert "weasyprint" not in dependencies and "typst" in dependencies
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py")]
    assert not any("import weasyprint" in s or "from weasyprint" in s for s in sources)
    imports = [
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src").rglob("*.py")
        if "import typst" in p.read_text(encoding="utf-8")
    ]
    assert imports == ["zjk_charity/pdf/fonts.py"]  # the one place that imports the engine


def test_a_cff_collection_works_and_its_chinese_face_is_chosen(
    tmp_path: Path, templates: Path
) -> None:
    """Noto CJK is a .ttc of CFF-outline faces (JP, KR, SC, …): the SC face is used."""
    from fontmaker import make_cff_collection

    fonts = tmp_path / "fonts"
    cjk = make_cff_collection(
        fonts / "cjk.ttc", ["Noto Sans CJK JP", "Noto Sans CJK SC"], BASIC + "张三"
    )
    with pdf_fonts(folders=[fonts]) as choice:
        assert choice.fonts[0].family == "Noto Sans CJK SC" and choice.fonts[0].index == 1
    (tmp_path / "zjk-charity.toml").write_text(f"pdf_font = '{cjk}'\n", encoding="utf-8")
    setting = load_settings(tmp_path).pdf_font
    target = tmp_path / "out.pdf"
    with pdf_fonts(setting, folders=[tmp_path / "none"]) as choice:
        assert choice.families == ["Noto Sans CJK SC"] and choice.fonts[0].path == cjk
        rendered = render_pdf("t.typ", {"name": "张三"}, target, choice, [templates])
    assert rendered.missing == set()
    assert "姓名：张三" in _text(target).replace(" ", "")
