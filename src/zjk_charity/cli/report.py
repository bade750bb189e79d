"""``zjk-charity report …`` and ``zjk-charity keys …``: signed campaign reports."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zjk_charity.cli.common import (
    JsonOpt,
    LangOpt,
    WorkspaceOpt,
    YearOpt,
    console,
    emit_json,
    new_app,
    say_waiting,
    session,
    styled,
)

if TYPE_CHECKING:
    from zjk_charity.reports.campaign import ReportRun
    from zjk_charity.reports.signing import Signer, Verdict

app = new_app("活动报告：生成、签名、核验 / signed campaign reports")
keys_app = new_app("报告签名密钥 / signing keys")

PASSPHRASE_ENV = "ZJK_CHARITY_KEY_PASSPHRASE"


@app.command()
def campaign(
    kind: Annotated[str, typer.Argument(help="aid（福彩暖冬）、wishes（微心愿）或 all")] = "all",
    year: YearOpt = None,
    formats: Annotated[
        str, typer.Option("--format", help="html、xlsx、pdf，逗号分隔")
    ] = "html,xlsx,pdf",
    out: Annotated[Path | None, typer.Option("--out", help="报告文件夹的上级目录")] = None,
    no_sign: Annotated[bool, typer.Option("--no-sign", help="不签名")] = False,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """根据台账生成活动报告（HTML、XLSX、PDF）并签名 / render and sign campaign reports."""
    from zjk_charity.reports.campaign import campaign_report, parse_formats

    with session(workspace, lang) as s:
        kinds = _report_kinds(kind)
        result = campaign_report(
            s.ws,
            kinds,
            s.ws.year(year),  # after the kind: a wrong kind is named first
            parse_formats(formats),
            out.resolve() if out else None,
            sign_it=not no_sign,
            passphrase=os.environ.get(PASSPHRASE_ENV),
            on_wait=say_waiting,
        )
    err = console(stderr=True)
    for warning in result.warnings_zh if s.zh else result.warnings_en:
        err.print(warning, style="yellow")
    if json_out:
        emit_json(result.as_json())
        return
    _render_campaign(result, s.lang)


def _report_kinds(kind: str) -> list[str]:
    """The report kinds the argument names (``all``: every kind)."""
    from zjk_charity.errors import UserError
    from zjk_charity.reports.campaign import KINDS

    if kind not in (*KINDS, "all"):
        raise UserError(
            f"报告种类只能是 aid、wishes 或 all（收到“{kind}”）",
            f"report kind must be aid, wishes or all (got '{kind}')",
        )
    return list(KINDS) if kind == "all" else [kind]


def _render_campaign(result: ReportRun, chosen: str) -> None:
    """The folders and files written, and who signed them."""
    zh = chosen == "zh"
    out_console = console()
    for report in result.reports:
        out_console.print(
            f"已生成{'福彩暖冬' if report.kind == 'aid' else '微心愿'}报告：{report.folder}"
            if zh
            else f"{report.kind} report written: {report.folder}"
        )
        for name in report.files:
            out_console.print(f"  {name}")
    if result.signer:
        s = result.signer
        out_console.print(
            f"签名：{s.name}（{s.role}），密钥指纹 {s.fingerprint}"
            if zh
            else f"signed by {s.name} ({s.role}), key fingerprint {s.fingerprint}"
        )
    else:
        out_console.print(
            "报告未签名（--no-sign）" if zh else "not signed (--no-sign)", style="yellow"
        )


@app.command()
def verify(
    folder: Annotated[Path, typer.Argument(help="报告文件夹 / report folder")],
    key: Annotated[Path | None, typer.Option("--key", help="公钥 PEM 文件")] = None,
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """核验报告签名和文件是否被改动 / verify a report's signature and files."""
    from zjk_charity.reports.signing import PUBLIC_FILE, load_public
    from zjk_charity.reports.signing import verify as run_verify

    with session(workspace, lang) as s:
        public = load_public(key or s.ws.keys_dir / PUBLIC_FILE)
        verdict = run_verify(folder, public)
    if json_out:
        emit_json(verdict.as_json())
    else:
        _render_verdict(verdict, s.lang)
    raise typer.Exit(0 if verdict.ok else 1)


def _render_verdict(verdict: Verdict, chosen: str) -> None:
    """Who signed and when, or what is wrong."""
    if verdict.ok:
        who = verdict.signer
        console().print(
            styled(
                ("核验通过", "green"),
                f"：签名人 {who.get('name', '')}（{who.get('role', '')}），"
                f"签名时间 {verdict.signed_at}，密钥指纹 {verdict.fingerprint}；所列文件均未改动",
            )
            if chosen == "zh"
            else styled(
                ("verified", "green"),
                f": signed by {who.get('name', '')} ({who.get('role', '')}) "
                f"at {verdict.signed_at}; every listed file is unchanged",
            )
        )
    else:
        problem = verdict.problem_zh if chosen == "zh" else verdict.problem_en
        console().print(
            styled(("核验未通过", "bold red"), f"：{problem}")
            if chosen == "zh"
            else styled(("failed", "bold red"), f": {problem}")
        )


@keys_app.command("init")
def keys_init(
    name: Annotated[
        str | None, typer.Option("--name", help="签名人姓名（默认取设置中的经办人）")
    ] = None,
    role: Annotated[str, typer.Option("--role", help="签名人职务")] = "经办人",
    passphrase: Annotated[
        bool, typer.Option("--passphrase", help="为私钥设置口令（交互输入，或取环境变量）")
    ] = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """生成 Ed25519 签名密钥（私钥权限 0600）/ create the signing key pair."""
    from zjk_charity.errors import UserError
    from zjk_charity.reports.signing import init_keys

    secret = None
    if passphrase:
        secret = os.environ.get(PASSPHRASE_ENV) or typer.prompt(
            "私钥口令 / passphrase", hide_input=True, confirmation_prompt=True
        )
    with session(workspace, lang) as s:
        who = (name or s.ws.settings.signers.handler or "").strip()
        if not who:
            # A signature names a person: an empty signer would verify as "signed by ()".
            raise UserError(
                "请用 --name 写明签名人姓名（或在 zjk-charity.toml 的 [signers] 中填写 handler）",
                "give the signer's name with --name (or set handler in [signers])",
            )
        signer = init_keys(s.ws.keys_dir, who, role, secret)
    _render_keys(signer, s.ws.keys_dir, s.lang)


def _render_keys(signer: Signer, keys_dir: Path, chosen: str) -> None:
    """Where the key pair is, whose it is, and what to do with each half."""
    out = console()
    if chosen == "zh":
        out.print(f"已生成签名密钥：{keys_dir}")
        out.print(f"签名人：{signer.name}（{signer.role}）")
        out.print(f"密钥指纹：{signer.fingerprint}")
        out.print("请妥善保管私钥；把公钥文件 signing-key.pub.pem 交给需要核验报告的人。")
    else:
        out.print(f"signing key written: {keys_dir}")
        out.print(f"signer: {signer.name} ({signer.role})")
        out.print(f"key fingerprint: {signer.fingerprint}")
        out.print("keep the private key safe; give signing-key.pub.pem to whoever verifies")


@keys_app.command("show")
def keys_show(
    json_out: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
) -> None:
    """显示公钥和指纹 / show the public key and its fingerprint."""
    from zjk_charity.reports.signing import PUBLIC_FILE, fingerprint, load_public

    with session(workspace, lang) as s:
        path = s.ws.keys_dir / PUBLIC_FILE
        public = load_public(path)
        text = path.read_text(encoding="ascii")
    if json_out:
        emit_json({"public_key": text, "fingerprint": fingerprint(public), "path": str(path)})
        return
    out = console()
    out.print(text.rstrip())
    out.print(f"密钥指纹：{fingerprint(public)}")
