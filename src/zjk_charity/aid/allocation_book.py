"""The allocation workbook.

Sheets: 资助名单, 候补名单, 未入选, 分县汇总, 公示名单 (de-identified, for notice boards),
银行代发（核对用） and 分配规则 (the rule in words, with the parameters of this run).

未入选 lists every applicant row that is not funded, waitlisted people included with the
reason 名额已满 and their waitlist position, so 资助名单 + 未入选 = every row validated.

公示名单: names as 张*三 / 张*, IDs as the first 6 and last 4 characters, no accounts,
no care level; people under 18 on the reference date are counted but not listed. Each
county starts on a new printed page with its own total, period and contact lines
(``notice_book.py``); A4 landscape with the title and header repeated on every page.

The workbook records the allocation's time as its creation time, so ``aid export``
writes the very same bytes as ``aid allocate`` did (``tests/test_export.py``).

No bank upload file is written here. The file a bank receives comes only from ``aid pay``
(``payments/``): a recorded batch in the bank's own layout, so that every transfer has an
instruction waiting for its result. A second, unrecorded upload file beside the list
would invite paying twice, and the old one (GBK, a 合计 row, a tab after each account)
was what banks reject. The 银行代发（核对用） sheet stays for checking the accounts before
paying; its title says so, on screen and on paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from pathlib import Path

from zjk_charity.aid.allocation import Allocation, Entry, class_name, money
from zjk_charity.aid.explain import describe
from zjk_charity.aid.notice import Notice, notice_pages
from zjk_charity.aid.notice_book import notice_title, write_notice_sheet
from zjk_charity.aid.ranking import REASON_ZH, Reason
from zjk_charity.config import PriorityClass
from zjk_charity.errors import UserError
from zjk_charity.ledger import file_sha256
from zjk_charity.workbook.writer import (
    Book,
    Column,
    PrintSetup,
    SheetSpec,
    Value,
    check_target,
    new_book,
)


def rule_in_words(classes: list[PriorityClass], a: Allocation | None = None) -> list[str]:
    """The published rule, generated from the settings actually used."""
    lines = [
        "一、资助对象：本次申请中校验无错误的农村分散供养特困人员。",
        "二、往年已受助者原则上不再资助；填写了特殊情况说明的，作为例外参加排序，排在所有首次申请者之后。",
        "三、排序先后：",
    ]
    for i, cls in enumerate(classes):
        parts = []
        if cls.care_levels:
            parts.append("生活自理能力为" + "或".join(cls.care_levels))
        if cls.min_age is not None:
            parts.append(f"年满 {cls.min_age} 周岁")
        condition = "且".join(parts) or "所有申请人"
        lines.append(f"　　第 {i + 1} 类：{cls.name}（{condition}）；")
    lines.append(f"　　第 {len(classes) + 1} 类：其他申请人。")
    lines.append(
        "　　同一类中年长者优先（出生日期早者在前），再按申请日期先后（未填者在后），最后按身份证号。"
    )
    lines.append("四、每户只资助 1 人：同一县（区）同一户号的申请人只保留排序最前者。")
    lines.append(
        "五、总名额 = 预算 ÷ 每人标准（取整）。名额按各县（区）候选人数比例用最大余数法分配；"
        "余数相同的，候选人多的县优先，再按县（区）代码从小到大。候选人总数不超过总名额时全部资助。"
        "使用名额文件时按文件分配，某县用不完的名额按同样方法分给仍有候选人的县（区）。"
    )
    lines.append("六、各县（区）按排序资助至名额用完，其余按排序列入候补名单。")
    if a is not None:
        lines += [
            "",
            f"预算：{money(a.budget)} 元；每人标准：{money(a.per_person)} 元；总名额：{a.quota_total} 个。",
            f"年龄计算基准日：{a.as_of.isoformat()}。",
            "名额来源：" + ("名额文件" if a.fixed is not None else "按候选人数比例分配"),
            f"资助 {len(a.funded)} 人，金额 {money(a.amount)} 元；未使用 {money(a.unspent)} 元。",
            f"台账分配编号：{a.id}；运行编号：{a.run_id}。",
            *a.notes,
        ]
    return lines


def _person_columns() -> list[Column]:
    return [
        Column("县(区)", 10),
        Column("乡镇(街道)", 12),
        Column("村(社区)", 12),
        Column("姓名", 10),
        Column("身份证号", 21, text=True),
        Column("性别", 6),
        Column("年龄", 6),
        Column("生活自理能力", 10),
        Column("优先类别", 16),
    ]


def _person_values(e: Entry, a: Allocation) -> list[Value]:
    return [
        e.county,
        e.township,
        e.village,
        e.name,
        e.id_number,
        e.sex or "",
        e.age(a.as_of),
        e.care_level,
        class_name(a.classes, e.priority),
    ]


def _by_county(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.county_code or "", e.rank or 0, e.seq))


def _funded_sheet(book: Book, a: Allocation) -> None:
    columns = [
        Column("县内排名", 8),
        Column("全市排名", 8),
        *_person_columns(),
        Column("户号", 12, text=True),
        Column("金额", 10),
        Column("特殊情况说明", 24),
    ]
    title = f"{a.year}年福彩暖冬资助名单（{len(a.funded)} 人，{money(a.amount)} 元）"
    out = book.sheet(
        SheetSpec("资助名单", columns, title=title, print_setup=PrintSetup(title=title))
    )
    for e in _by_county(a.funded):
        out.write(
            [e.county_rank, e.rank, *_person_values(e, a), e.household, e.amount, e.exception_note]
        )


def _waitlist_sheet(book: Book, a: Allocation) -> None:
    columns = [
        Column("县内候补", 8),
        Column("全市候补", 8),
        Column("全市排名", 8),
        *_person_columns(),
    ]
    title = f"{a.year}年福彩暖冬候补名单（{len(a.waitlist)} 人）"
    out = book.sheet(
        SheetSpec("候补名单", columns, title=title, print_setup=PrintSetup(title=title))
    )
    for e in sorted(a.waitlist, key=lambda e: (e.county_code or "", e.county_position or 0)):
        out.write([e.county_position, e.position, e.rank, *_person_values(e, a)])


def _not_funded_sheet(book: Book, a: Allocation) -> None:
    columns = [
        Column("县(区)", 10),
        Column("姓名", 10),
        Column("身份证号", 21, text=True),
        Column("文件", 18),
        Column("工作表", 10),
        Column("行号", 6),
        Column("原因", 10),
        Column("说明", 60),
    ]
    title = f"{a.year}年福彩暖冬未入选人员"
    out = book.sheet(SheetSpec("未入选", columns, title=title, print_setup=PrintSetup(title=title)))
    file_names = {e.file: Path(e.file).name for e in a.entries}  # a few files, many rows
    for e in a.not_funded:
        reason = REASON_ZH[Reason(e.reason)] if e.reason else ""
        out.write(
            [
                e.county or "",
                e.name,
                e.id_number or "",
                file_names[e.file],
                e.sheet,
                e.row,
                reason,
                describe(e, a),
            ]
        )


def _county_sheet(book: Book, a: Allocation) -> None:
    columns = [
        Column("县(区)", 12),
        Column("代码", 8),
        Column("申请人数", 9),
        Column("候选人数", 9),
        Column("名额", 8),
        Column("资助人数", 9),
        Column("资助金额", 14),
        Column("候补人数", 9),
    ]
    title = f"{a.year}年福彩暖冬分县汇总"
    out = book.sheet(
        SheetSpec("分县汇总", columns, title=title, print_setup=PrintSetup(title=title))
    )
    lines = a.counties()
    for c in lines:
        out.write(
            [c.name, c.code, c.applicants, c.candidates, c.quota, c.funded, c.amount, c.waitlist]
        )
    out.write(
        [
            "合计",
            "",
            sum(c.applicants for c in lines),
            sum(c.candidates for c in lines),
            sum(c.quota for c in lines),
            sum(c.funded for c in lines),
            sum((c.amount for c in lines), Decimal(0)),
            sum(c.waitlist for c in lines),
        ],
        style="bold",
    )
    unplaced = len(a.entries) - sum(c.applicants for c in lines)
    if unplaced:
        out.write([f"另有 {unplaced} 行县（区）无法识别，未计入各县"])


def _notice_sheet(book: Book, a: Allocation, notice: Notice) -> None:
    """公示名单: every county's funded people from a new printed page (``notice_book``)."""
    write_notice_sheet(book, notice_pages(a.funded, a.as_of), notice, notice_title(a.year))


def bank_rows(a: Allocation) -> list[Entry]:
    return _by_county(a.funded)


BANK_SHEET = "银行代发（核对用）"
BANK_SHEET_NOTE = "核对用，不要上传银行：上传银行请用 zjk-charity aid pay 生成的批次文件"


def _bank_sheet(book: Book, a: Allocation, memo: str) -> None:
    """The accounts to check before paying. Titled 核对用 (for checking) on screen and
    on every printed page: the bank's file is the batch of ``aid pay``, never this."""
    columns = [
        Column("序号", 6),
        Column("户名", 10),
        Column("账号", 24, text=True),
        Column("开户银行", 18),
        Column("金额", 12),
        Column("摘要", 22),
        Column("县(区)", 10),
    ]
    heading = f"{a.year}年福彩暖冬银行代发（核对用）"
    out = book.sheet(
        SheetSpec(
            BANK_SHEET,
            columns,
            title=heading,
            subtitle=BANK_SHEET_NOTE,
            print_setup=PrintSetup(title=f"{heading}　{BANK_SHEET_NOTE}"),
        )
    )
    rows = bank_rows(a)
    for n, e in enumerate(rows, start=1):
        out.write([n, e.name, e.account, e.bank, e.amount, memo, e.county])
    out.write(["合计", f"{len(rows)} 笔", "", "", a.amount, ""], style="bold")


def _rule_sheet(book: Book, a: Allocation) -> None:
    spec = SheetSpec(
        "分配规则",
        [Column("分配规则与参数", 120)],
        title=f"{a.year}年福彩暖冬名额分配规则",
        autofilter=False,
        freeze=False,
    )
    out = book.sheet(spec)
    for line in rule_in_words(a.classes, a):
        out.write([line])


def write_allocation_book(a: Allocation, target: Path, notice: Notice, memo: str) -> Path:
    """Write every sheet of the allocation workbook atomically."""
    # Streaming (constant memory): every sheet is written top to bottom, once.
    with new_book(target, streaming=True, fast_rows=True, created=a.created) as book:
        _funded_sheet(book, a)
        _waitlist_sheet(book, a)
        _not_funded_sheet(book, a)
        _county_sheet(book, a)
        _notice_sheet(book, a, notice)
        _bank_sheet(book, a, memo)
        _rule_sheet(book, a)
    return target


def check_book_target(
    target: Path, recorded: AbstractSet[str] = frozenset(), inputs: Sequence[Path] = ()
) -> None:
    """Refuse an allocation workbook path that is not an .xlsx name, or that would
    replace a file the ledger recorded as some command's input (``recorded``: their
    SHA-256, e.g. a county's application workbook given as ``--out 张北县.xlsx``), or
    one of this command's ``inputs`` (the quotas file)."""
    check_target(target, inputs)  # a folder, a device, an input, the ledger
    if target.suffix.lower() != ".xlsx":
        raise UserError(
            f"--out {target}：分配结果工作簿的文件名应以 .xlsx 结尾，如 分配结果.xlsx",
            f"--out {target}: the allocation workbook's name must end in .xlsx",
        )
    if target.is_file() and file_sha256(target) in recorded:
        raise UserError(
            f"输出文件 {target} 是台账记录过的输入文件（如申请表、往年受助名单），不能覆盖；"
            "请换一个输出文件名",
            f"the output {target} is an input file the ledger recorded; choose another name",
        )


def write_outputs(
    a: Allocation,
    target: Path,
    notice: Notice,
    memo: str,
    *,
    recorded: AbstractSet[str] = frozenset(),
    inputs: Sequence[Path] = (),
) -> list[Path]:
    """The allocation workbook at ``target``, and nothing else: the bank's upload file
    comes from ``aid pay`` (a recorded batch). ``recorded``, ``inputs``: see :func:`check_book_target`.

    Returns the files written (a list, so callers need not change when a command writes
    more than one file)."""
    check_book_target(target, recorded, inputs)
    return [write_allocation_book(a, target, notice, memo)]
