"""The finding codes of payout.md, beside the shared ones of ``zjk_charity.findings``.

Like wishes/codes.py they live outside ``findings.CODES``, which is the contract of aid.md
(a test holds it equal to aid.md's list). :class:`PayFinding` renders, sorts and
serialises like every other finding. Messages never carry a full ID or account: the
``account`` parameter is masked (the last 4 digits) and names (张*三) by whoever makes the finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from zjk_charity.findings import CODES, Code, Finding, Severity, format_message

E, W = Severity.ERROR, Severity.WARNING

PAY_CODES: dict[str, Code] = {
    "NOT_FUNDED": Code(
        E,
        "{name}（身份证号尾号 {tail}）不在 {year} 年的资助名单中；请核对身份证号，"
        "本文件改正前不作任何处理",
        "{name} (ID ending {tail}) is not on the {year} funded list; check the ID "
        "(nothing of this file is applied until it is corrected)",
    ),
    "RESULT_UNMATCHED": Code(
        E,
        "回盘记录（账号 {account}，金额 {amount} 元）对不上任何待回盘的代发记录；"
        "请核对是否本批次的回盘文件",
        "result row (account {account}, {amount} yuan) matches no instruction waiting "
        "for a result; check this is the result of our batch",
        {
            "paid": (
                "回盘记录（账号 {account}，金额 {amount} 元）为失败，但这笔代发（批次 {batch} "
                "第 {line} 笔）已记录为付款成功；未作改动，请向银行核实",
                "result row (account {account}, {amount} yuan) says failed, but this "
                "instruction (batch {batch}, line {line}) is recorded as paid; nothing "
                "changed, check with the bank",
            ),
            "twice": (
                "同一笔代发（批次 {batch} 第 {line} 笔，账号 {account}）在本文件中出现 {count} 次"
                "（第 {rows} 行）；均未处理，请向银行核实",
                "one instruction (batch {batch}, line {line}, account {account}) appears "
                "{count} times in this file (rows {rows}); none applied, check with the bank",
            ),
            "ambiguous": (
                "回盘记录（账号 {account}，金额 {amount} 元）为失败，可能是批次 {batches} 中的任何一笔"
                "（其中较早的一笔已记为失败）；未作处理：请在回盘文件中加上“批次”列，"
                "或导入时用 --batch 指明批次",
                "result row (account {account}, {amount} yuan) says failed and fits more than "
                "one batch ({batches}; the older one already failed); not applied: add a 批次 "
                "column or give --batch",
            ),
        },
    ),
    "DOUBLE_PAYMENT": Code(
        E,
        "{name} 已于批次 {paid_batch} 付款成功，本行（批次 {batch}）又付款成功 {amount} 元："
        "重复付款，已记录，请追回",
        "{name} was already paid in batch {paid_batch}; this row (batch {batch}) paid "
        "{amount} yuan again: recorded as money to recover",
        {
            "withdrawn": (
                "{name} 已从资助名单撤销（{reason}），本行（批次 {batch}）仍付款成功 {amount} 元："
                "已记录，请追回",
                "{name} was withdrawn ({reason}), yet this row (batch {batch}) paid "
                "{amount} yuan: recorded as money to recover",
            )
        },
    ),
    "RESULT_AMOUNT_MISMATCH": Code(
        E,
        "回盘金额 {amount} 元与代发金额 {expected} 元不符（账号 {account}，批次 {batch}）；"
        "请向银行核实",
        "the bank's amount {amount} differs from the instruction's {expected} "
        "(account {account}, batch {batch}); check with the bank",
    ),
    "RESULT_NAME_MISMATCH": Code(
        W,
        "银行回盘户名“{bank_name}”与受助人“{name}”不同（批次 {batch} 第 {line} 笔）；请核对",
        "the bank's account name '{bank_name}' differs from the recipient '{name}' "
        "(batch {batch}, line {line}); please check",
    ),
    # ---- 微心愿 after the match (payout.md is silent on their files' findings; these
    # are ours, named in the README's decisions): wishes accounts update, deliver import.
    "NO_SUCH_WISH": Code(
        E,
        "心愿编号“{value}”在台账中不存在；请核对编号",
        "wish number '{value}' is not in the ledger; check the number",
    ),
    "WISH_NOT_DELIVERABLE": Code(
        E,
        "心愿 {wish} 目前是“{value}”，还没有付款成功或列入采购清单，不能登记送达",
        "wish {wish} is '{value}': not yet paid or on a purchase list, so it cannot be "
        "recorded as delivered",
    ),
    "DELIVERY_CHANGED": Code(
        E,
        "心愿 {wish} 已登记于 {date} 送达（{where}），与本行不同；已登记的送达不能更改",
        "wish {wish} was recorded as delivered on {date} ({where_en}), unlike this row; "
        "a recorded delivery is not changed",
    ),
    "PHOTO_NOT_FOUND": Code(
        W,
        "照片“{value}”不在送达登记表所在的文件夹（或其中的“照片”文件夹）中；请补上照片文件",
        "photo '{value}' is not beside the delivery file (nor in its 照片 folder); "
        "add the photo file",
    ),
}


def code_spec(code: str) -> Code:
    """A code's severity and messages, from payout.md or the shared table."""
    return PAY_CODES.get(code) or CODES[code]


@dataclass(frozen=True)
class PayFinding(Finding):
    """A finding of a review, result or account file (its code may be a payout.md one)."""

    @property
    def severity(self) -> Severity:
        return code_spec(self.code).severity

    def message(self, lang: str = "zh") -> str:
        return format_message(code_spec(self.code), self.params, lang)
