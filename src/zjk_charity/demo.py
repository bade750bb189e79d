"""``zjk-charity demo``: the 2025 campaign on the packaged sample data, in a fresh workspace.

It grows with each capability; today: history import, validation (showing the planted
problems; each county's marked-up copy and the city's 问题清单), allocation of the 810
places with every output, each county's 公示, the funded people's 申请审批表, the
province's review and a death with 递补 and the 补充公示, paying (the bank file, the
bank's results with five failures and one 处理中, corrected accounts and a retry, one
person in cash against a signed 领取表), finalize on the 810 paid, the 微心愿 rounds and
both signed reports. The workspace
keeps ``campaign_year = 2025`` in its settings, so every command can be tried in it
afterwards without ``--year``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from zjk_charity.aid.allocation import (
    Allocation,
    AllocationRequest,
    money,
    reason_counts,
    run_allocation,
)
from zjk_charity.aid.allocation_book import write_outputs
from zjk_charity.aid.changes import withdraw
from zjk_charity.aid.export import write_notices
from zjk_charity.aid.finalize import finalize
from zjk_charity.aid.forms import write_forms
from zjk_charity.aid.history import import_history
from zjk_charity.aid.markup import plan_markups, write_markups
from zjk_charity.aid.model import Applicant
from zjk_charity.aid.notice import notice_from_settings
from zjk_charity.aid.payout import (
    PrintOptions,
    cash_confirm,
    cash_sheet,
    import_payments,
    pay,
    payments_status,
    update_accounts,
)
from zjk_charity.aid.ranking import REASON_ZH, Reason
from zjk_charity.aid.review import import_review
from zjk_charity.aid.supplement import write_supplement
from zjk_charity.aid.validation import validate
from zjk_charity.config import (
    LEDGER_FILE,
    SETTINGS_FILE,
    Settings,
    Workspace,
    default_settings_text,
    make_folder,
)
from zjk_charity.counties import find_county
from zjk_charity.errors import UserError
from zjk_charity.ids import mask_name
from zjk_charity.integrity.lists import import_list
from zjk_charity.integrity.reference import KIND_ZH
from zjk_charity.integrity.reviews import accept
from zjk_charity.ledger import Ledger
from zjk_charity.ledger.location import check_ledger_folder
from zjk_charity.payments.model import BatchFiles, BatchLine
from zjk_charity.payments.profiles import profile
from zjk_charity.payments.writer import write_batch
from zjk_charity.pdf.fonts import PdfUnavailable
from zjk_charity.reports.campaign import FORMATS, KINDS, campaign_report
from zjk_charity.reports.render import template_folders
from zjk_charity.reports.signing import (
    PRIVATE_FILE,
    PUBLIC_FILE,
    init_keys,
    load_public,
    load_signer,
    verify,
)
from zjk_charity.wishes.demo import run_wishes_demo, run_wishes_payout_demo

YEAR = 2025
# The payout story's files in sample_data/ (scripts/make_payout_samples.py) and the one
# recipient who dies before payment (that script prints the ID).
REVIEW_FILE = "复审结果.xlsx"
DEATH_ID = "130726195006072616"
DEATH_NOTE = "2025年11月9日病故"
# The sample's POSSIBLE_DUPLICATE, found to be the same person as 蔚县.csv row 43.
DUPLICATE_ID = "130726193902076843"
DUPLICATE_NOTE = "经核实与蔚县.csv第43行为同一人，身份证号和姓氏录错，重复申请"
FIRST_RESULTS = "银行回盘-P2025-001.xlsx"
ACCOUNTS_FILE = "账号更正.xlsx"
LATER_RESULTS = ("银行回盘-P2025-002.csv", "银行回盘-P2025-001-补.xlsx")
CASH_DAY = date(YEAR, 12, 18)
LETTERS_DAY = date(YEAR, 12, 20)  # the date the donors' letters are signed
OPERATOR = "演示经办人"  # a synthetic name, like the demo's signer
# sample_data/ names: a history list per year (2024年受助名单.xlsx), application files
# named after their county, the screenshots folder (scripts/make_sample_data.py).
HISTORY_SUFFIX = "年受助名单.xlsx"
SCREENSHOTS = "认证截图"
# The reference lists of integrity screening (scripts/make_sample_data.py), each with the
# date it was exported, loaded before validation as the README guide loads them.
REFERENCE_LISTS = (
    ("特困人员名册-张北县.xlsx", "tekun", date(YEAR, 9, 30)),
    ("集中供养人员名单.xlsx", "institution", date(YEAR, 9, 30)),
    ("死亡人员名单-2025年10月.csv", "deaths", date(YEAR, 10, 15)),
    ("近亲属备案.xlsx", "relatives", date(YEAR, 6, 30)),
)
RELATIVE_REVIEW = "经村民代表会议评议，符合条件，已公示无异议"


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
    """Run the 2025 campaign in ``out`` (default: a new temporary folder).

    ``out`` must be an empty or new folder: one holding a ledger, a path that is a file
    or lies under one, or a folder that cannot be written is a UserError naming it.
    """
    data = sample_data_dir()
    history_files = sorted(data.glob(f"[0-9][0-9][0-9][0-9]{HISTORY_SUFFIX}"))
    # In the order of the county codes (张北县, 康保县, 蔚县), as the README guide
    # validates them: file order decides which of two rows of one person stays.
    found = {
        p: county
        for p in data.iterdir()
        if p.suffix in {".xlsx", ".xls", ".csv"} and (county := find_county(p.stem)) is not None
    }
    applications = sorted(found, key=lambda p: (found[p].code, p.name))
    if not applications:
        raise UserError(f"找不到演示数据 {data}", f"no sample data in {data}")
    root = (out or Path(tempfile.mkdtemp(prefix="zjk-charity-demo-"))).resolve()
    if (root / LEDGER_FILE).exists():
        raise UserError(
            f"{root} 中已有台账；演示要在空目录中从头运行，请换一个 --out 目录",
            f"{root} already holds a ledger; the demo runs from scratch in an empty folder",
        )
    check_ledger_folder(root, allowed=False)  # before anything is written there
    _prepare(root)
    ledger = Workspace.open(root).ledger()
    _refuse_shared(ledger)
    summary = DemoSummary(
        root,
        [
            f"演示工作目录：{root}",
            f"活动年度：{YEAR}（样例数据是 {YEAR} 年的；已写入该目录设置的 campaign_year）",
        ],
    )
    if ledger.dialect != "sqlite":
        summary.lines.append(f"台账：PostgreSQL 服务器 {ledger.where}")
    for path in history_files:
        year = int(path.name[:4])
        imported = import_history(ledger, [path], year, {"files": [str(path)], "year": year})
        summary.lines.append(f"导入 {year} 年受助名单：{imported.imported} 人")
    _reference_lists(ledger, data, summary)
    plan = plan_markups(applications, YEAR, root / "out", None)
    marked: list[Path] = []
    result = validate(
        ledger,
        applications,
        year=YEAR,
        as_of=date(YEAR, 10, 20),
        attachments=data / SCREENSHOTS,
        arguments={"files": [str(p) for p in applications], "demo": True},
        write=lambda checked: marked.extend(write_markups(checked, plan)),
        phone_shared_limit=Settings().aid.phone_shared_limit,
    )
    s = result.summary
    summary.lines.append(
        f"校验 {len(applications)} 个申请表：{s['rows']} 人，符合条件 {s['eligible']} 人，"
        f"有错误 {s['with_errors']} 人，有警告 {s['with_warnings']} 人"
    )
    for code, count in sorted(result.by_code().items()):
        summary.lines.append(f"  {code}: {count}")
    summary.written.extend(marked)  # each county's marked-up copy and the city list
    _review_relative(ledger, result.applicants, summary)
    _allocate(ledger, root, summary)
    wishes = run_wishes_demo(ledger, data, root / "out", year=YEAR)
    summary.lines.extend(wishes.lines)
    summary.written.extend(wishes.written)
    after = run_wishes_payout_demo(
        ledger, data, root / "out", Workspace.open(root).settings, YEAR, OPERATOR
    )
    summary.lines.extend(after.lines)
    summary.written.extend(after.written)
    _letters(ledger, root, summary)
    _reports(root, summary)
    if ledger.dialect == "sqlite":
        summary.written.append(ledger.path)
    summary.lines.append("写出的文件：")
    return summary


def _reference_lists(ledger: Ledger, data: Path, summary: DemoSummary) -> None:
    """Load the four reference lists auditors use (integrity.md)."""
    for name, kind, as_of in REFERENCE_LISTS:
        loaded = import_list(ledger, data / name, kind, as_of=as_of, arguments={"demo": True})
        summary.lines.append(f"导入{KIND_ZH[kind]} {name}：{len(loaded.read.people)} 人")


def _review_relative(ledger: Ledger, applicants: Sequence[Applicant], summary: DemoSummary) -> None:
    """Record the village's review of the first staff relative (the other stays 未复核)."""
    relative = next(a for a in applicants if any(f.code == "STAFF_RELATIVE" for f in a.findings))
    assert relative.id_number is not None
    accept(
        ledger,
        YEAR,
        relative.id_number,
        "STAFF_RELATIVE",
        RELATIVE_REVIEW,
        operator=OPERATOR,
        arguments={"demo": True},
    )
    summary.lines.append(
        f"复核警告：{mask_name(relative.name)} 的 STAFF_RELATIVE（{RELATIVE_REVIEW}）"
    )


def _refuse_shared(ledger: Ledger) -> None:
    """The demo's synthetic story goes only into an empty ledger: ZJK_CHARITY_LEDGER may
    point at a server in use (try the demo on one made for it: README, PostgreSQL)."""
    if ledger.dialect != "sqlite" and ledger.exists:
        raise UserError(
            f"{ledger.where} 中已有台账；演示只在空台账中运行，以免把示例人员写进真实台账",
            f"{ledger.where} already holds a ledger; the demo runs only in an empty one",
        )


def _prepare(root: Path) -> None:
    """Make the demo folder and write its settings; a UserError naming the folder when
    it cannot be (``--out`` is a file, lies under a file, or is not writable)."""
    make_folder(root, "请换一个 --out 目录", "choose another --out folder")
    try:
        _write_settings(root)
    except OSError as exc:
        raise UserError(
            f"无法在 {root} 建立演示工作目录（{exc.strerror or exc}）；请换一个 --out 目录",
            f"cannot set up the demo in {root} ({exc.strerror or exc}); choose another --out",
        ) from None


def _write_settings(root: Path) -> None:
    settings = root / SETTINGS_FILE
    if not settings.exists():
        settings.write_text(default_settings_text(YEAR), encoding="utf-8")


def _allocate(ledger: Ledger, root: Path, summary: DemoSummary) -> None:
    """Allocate the 810 places, write every output, and finalize into the history."""
    aid = Settings().aid
    request = AllocationRequest(
        year=YEAR,
        as_of=date(YEAR, 10, 20),
        budget=aid.budget,
        per_person=aid.per_person,
        classes=list(aid.priority),
    )
    book = root / "out" / f"分配结果-{YEAR}.xlsx"
    memo = aid.payment_memo.format(year=YEAR)
    notice = notice_from_settings(aid, date(YEAR, 10, 27))

    def write(a: Allocation) -> None:
        summary.written.extend(write_outputs(a, book, notice, memo))

    arguments = {
        "year": YEAR,
        "demo": True,
        "notice_from": notice.start.isoformat(),  # so aid export prints the same period
        "notice_days": notice.days,
    }
    a = run_allocation(ledger, request, arguments, write)
    reasons = "，".join(
        f"{REASON_ZH[Reason(r)]} {n} 人" for r, n in sorted(reason_counts(a).items())
    )
    summary.lines.append(
        f"分配 {a.quota_total} 个名额：资助 {len(a.funded)} 人，{money(a.amount)} 元；"
        f"候补 {len(a.waitlist)} 人；未入选：{reasons}"
    )
    for c in a.counties():
        summary.lines.append(f"  {c.name}：候选 {c.candidates} 人，名额 {c.quota} 个")
    _notices_and_forms(ledger, root, summary)
    _changes(ledger, root, summary)
    _payments(ledger, root, summary)
    done = finalize(ledger, YEAR, {"year": YEAR, "demo": True})
    summary.lines.append(f"定稿：资助金已到账的 {done.added} 人记入 {YEAR} 年受助名单")


def _changes(ledger: Ledger, root: Path, summary: DemoSummary) -> None:
    """The province's review (two 不通过), a death before payment, the possible
    duplicate found to be the same person, each with 递补, and the 补充公示 of the people
    who took the places."""
    data = sample_data_dir()
    review = import_review(
        ledger, YEAR, data / REVIEW_FILE, operator=OPERATOR, arguments={"demo": True}
    )
    if review.has_errors:  # the story's files no longer fit the sample data
        raise UserError(
            f"演示数据 {REVIEW_FILE} 与样例申请表不符；请运行 scripts/make_payout_samples.py",
            f"{REVIEW_FILE} does not fit the sample data; run scripts/make_payout_samples.py",
        )
    summary.lines.append(
        f"省级复审：通过 {review.passed} 人，不通过 {len(review.withdrawals)} 人（撤销并递补）"
    )
    died = withdraw(
        ledger, YEAR, DEATH_ID, "去世", note=DEATH_NOTE, operator=OPERATOR, arguments={"demo": True}
    )
    taken = died.withdrawal.backfilled
    summary.lines.append(
        f"去世 1 人：{mask_name(died.withdrawal.withdrawn.name)}，名额递补给"
        f"{mask_name(taken.name) if taken else '（无人）'}"
    )
    twice = withdraw(
        ledger,
        YEAR,
        DUPLICATE_ID,
        "其他",
        note=DUPLICATE_NOTE,
        operator=OPERATOR,
        arguments={"demo": True},
    )
    taken = twice.withdrawal.backfilled
    summary.lines.append(
        f"疑似重复申请经核实为同一人 1 人：{mask_name(twice.withdrawal.withdrawn.name)}，"
        f"名额递补给{mask_name(taken.name) if taken else '（无人）'}"
    )
    posted = write_supplement(ledger, YEAR, root / "out", Settings().aid, start=date(YEAR, 11, 17))
    summary.lines.append(f"补充公示：递补 {posted.people} 人；{posted.notice.period_line()}")
    summary.written.extend(posted.written)
    summary.written.extend(p for p in posted.pdfs if p is not None)
    summary.lines.extend(zh for zh, _ in posted.warnings)


def _payments(ledger: Ledger, root: Path, summary: DemoSummary) -> None:
    """Pay the 810, read the bank's results, correct four accounts and pay them again,
    pay the last one in cash against a signed 领取表, and read the bank's later results."""
    data, out = sample_data_dir(), root / "out"
    ws = Workspace.open(root)
    bank = profile(ws.settings)
    memo = ws.settings.aid.payment_memo.format(year=YEAR)
    lists = PrintOptions(out, ws.settings.pdf_font, template_folders(root), ws.settings.signers)

    def write(code: str, lines: Sequence[BatchLine], folder: Path) -> BatchFiles:
        return write_batch(bank, code, lines, folder, payer=ws.settings.bank.payer)

    def batch(retry: bool) -> None:
        paid = pay(
            ledger,
            YEAR,
            profile=bank.name,
            write=write,
            folder=out,
            memo=memo,
            retry=retry,
            arguments={"demo": True, "retry": retry},
        )
        summary.lines.append(f"付款批次 {paid.batch}：{paid.count} 笔，{money(paid.amount)} 元")
        summary.written.extend([*paid.files, *paid.summary])

    def results(*names: str) -> None:
        done = import_payments(
            ledger, YEAR, [data / n for n in names], lists=lists, arguments={"demo": True}
        )
        c = done.imported.counts
        summary.lines.append(
            f"银行回盘 {'、'.join(names)}：到账 {c.paid} 笔，失败 {c.failed} 笔，处理中 {c.pending} 笔"
        )
        summary.written.extend(done.written)

    batch(retry=False)
    results(FIRST_RESULTS)
    fixed = update_accounts(ledger, YEAR, data / ACCOUNTS_FILE, {"demo": True})
    summary.lines.append(f"更正账号 {fixed.updated} 人")
    batch(retry=True)
    cash = cash_sheet(
        ledger,
        YEAR,
        [],
        folder=out,
        signers=ws.settings.signers,
        pdf_font=ws.settings.pdf_font,
        templates=template_folders(root),
        arguments={"demo": True},
    )
    summary.written.extend(cash.files)
    assert cash.files, "the demo's frozen account is paid in cash"
    confirmed = cash_confirm(ledger, YEAR, CASH_DAY, sheet=cash.files[0], arguments={"demo": True})
    summary.lines.append(
        f"现金发放 {cash.batch}：{cash.count} 人，签收确认 {confirmed.confirmed} 人（{CASH_DAY}）"
    )
    results(*LATER_RESULTS)
    state = payments_status(ledger, YEAR).status
    paid = state.tallies["paid"]
    summary.lines.append(
        f"付款状态：已到账 {paid.count} 人，{money(paid.amount)} 元；"
        f"未到账 {len(state.funded) - paid.count} 人"
    )


def _notices_and_forms(ledger: Ledger, root: Path, summary: DemoSummary) -> None:
    """Each county's printable 公示, and the funded people's 申请审批表 (a PDF: without a
    Chinese font the demo says what to install and goes on, as the report does)."""
    ws = Workspace.open(root)
    notices = write_notices(ledger, YEAR, root / "out", ws.settings.aid)
    summary.lines.append(
        f"公示：{len(notices.written)} 个县（区）各一个文件；{notices.notice.period_line()}"
    )
    summary.written.extend(notices.written)
    try:
        forms = write_forms(ws, YEAR, funded=True)
    except PdfUnavailable as exc:
        summary.lines.append(exc.message("zh"))
        return
    summary.lines.append(f"申请审批表：{forms.people} 份，共 {forms.pages} 页")
    summary.written.extend(forms.files)


def _letters(ledger: Ledger, root: Path, summary: DemoSummary) -> None:
    """A letter to every donor (a PDF: without a Chinese font the demo says what to
    install and goes on, as with the forms)."""
    from zjk_charity.wishes.letters import write_letters

    ws = Workspace.open(root)
    try:
        written = write_letters(
            ledger,
            YEAR,
            root / "out",
            day=LETTERS_DAY,
            signers=ws.settings.signers,
            pdf_font=ws.settings.pdf_font,
            templates=template_folders(root),
            arguments={"demo": True},
        )
    except PdfUnavailable as exc:
        summary.lines.append(exc.message("zh"))
        return
    t = written.totals()
    summary.lines.append(
        f"捐赠人感谢信：{len(written.letters)} 封，共 {written.pages} 页；捐赠 {t['given']} 元 = "
        f"已用于心愿 {t['used']} 元 + 待使用 {t['waiting']} 元 + 已退还 {t['refunded']} 元"
    )
    summary.written.extend(written.files)


def _reports(root: Path, summary: DemoSummary) -> None:
    """Create a signing key, sign both campaign reports, and verify them."""
    ws = Workspace.open(root)
    if (ws.keys_dir / PRIVATE_FILE).exists():  # demo --out into a folder used before
        _, signer = load_signer(ws.keys_dir)
    else:
        # A synthetic name: a signature names a person, and the demo's settings name none.
        signer = init_keys(ws.keys_dir, ws.settings.signers.handler or "演示经办人", "经办人")
    summary.lines.append(f"签名密钥：{ws.keys_dir}（指纹 {signer.fingerprint}）")
    result = campaign_report(ws, list(KINDS), YEAR, list(FORMATS), root / "out" / "reports")
    summary.lines.extend(result.warnings_zh)
    public = load_public(ws.keys_dir / PUBLIC_FILE)
    for report in result.reports:
        verdict = verify(report.folder, public)
        f = report.figures
        if report.kind == "aid":
            headline = f"福彩暖冬报告：资助 {f['funded']} 人，{f['amount']} 元"
        else:
            headline = (
                f"微心愿报告：收到 {f['donations_total']} 元，受助儿童 {f['children_helped']} 人"
            )
        state = "核验通过" if verdict.ok else f"核验未通过：{verdict.problem_zh}"
        summary.lines.append(f"{headline}；report verify：{state}")
        summary.written.extend(report.folder / name for name in report.files)
