"""A workspace on a network folder is refused for its SQLite ledger (issue 19).

The detection is fed text here: Linux mountinfo lines, UNC paths and Windows drive
types, so no network is needed. Then the CLI: a command that opens the ledger of a
workspace on an SMB share exits 2 with the risk, the way out and the override, and
leaves no ledger behind; ``ledger_on_network = true`` lets it run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import good_row, ledger_at, ledger_exists, write_workbook
from zjk_charity.cli.main import app
from zjk_charity.config import (
    DEFAULT_TOML,
    LEDGER_VARIABLE,
    SETTINGS_FILE,
    Workspace,
    load_settings,
)
from zjk_charity.errors import UserError
from zjk_charity.ledger import location
from zjk_charity.ledger.location import (
    DRIVE_REMOTE,
    NetworkFolder,
    check_ledger_folder,
    mount_of,
    network_folder,
    network_mount,
    unc_share,
    windows_network_folder,
)

runner = CliRunner()


def mountinfo_line(mount_point: str, fstype: str, source: str = "none", n: int = 30) -> str:
    """One line of /proc/self/mountinfo (with an optional field before the separator)."""
    return f"{n} 1 0:{n} / {mount_point} rw,relatime shared:{n} - {fstype} {source} rw"


TABLE = "\n".join(
    [
        mountinfo_line("/", "ext4", "/dev/sda1", 22),
        mountinfo_line("/mnt/share", "cifs", "//nas/共享", 23),
        mountinfo_line("/mnt/nfs", "nfs4", "fileserver:/export", 24),
        mountinfo_line("/mnt/nfs/local", "ext4", "/dev/sdb1", 25),
        mountinfo_line("/home/u/remote", "fuse.sshfs", "u@host:", 26),
        mountinfo_line("/mnt/民政\\040共享", "smb3", "//nas/mz", 27),
        mountinfo_line("/run/user/1000/gvfs", "fuse.gvfsd-fuse", "gvfsd-fuse", 28),
    ]
)


# ---------------------------------------------------------------- Linux: mountinfo


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/mnt/share/2025/张北县", NetworkFolder("cifs", "/mnt/share")),
        ("/mnt/share", NetworkFolder("cifs", "/mnt/share")),
        ("/mnt/nfs/ws", NetworkFolder("nfs4", "/mnt/nfs")),
        ("/home/u/remote/ws", NetworkFolder("fuse.sshfs", "/home/u/remote")),
        ("/mnt/民政 共享/ws", NetworkFolder("smb3", "/mnt/民政 共享")),
        (
            "/run/user/1000/gvfs/smb-share:server=nas,share=mz/ws",
            NetworkFolder("fuse.gvfsd-fuse", "/run/user/1000/gvfs"),
        ),
        # A local disk mounted inside a network one is local; a folder whose name only
        # begins like a mount point is not in it.
        ("/mnt/nfs/local/ws", None),
        ("/mnt/shared/ws", None),
        ("/home/u/ws", None),
    ],
)
def test_the_mount_holding_a_folder_decides(path: str, expected: NetworkFolder | None) -> None:
    assert network_mount(path, TABLE) == expected


def test_of_mounts_on_the_same_point_the_last_is_on_top() -> None:
    table = "\n".join([TABLE, mountinfo_line("/mnt/share", "ext4", "/dev/sdc1", 40)])
    assert mount_of("/mnt/share/ws", table) == ("/mnt/share", "ext4")
    assert network_mount("/mnt/share/ws", table) is None


def test_an_empty_or_garbled_table_means_local() -> None:
    assert mount_of("/mnt/share/ws", "") is None
    assert network_mount("/mnt/share/ws", "not a mount table\n1 2 3\n") is None


segment = st.sampled_from(["a", "b", "ab", "共享", "ws"])
folder = st.lists(segment, max_size=4).map(lambda parts: "/" + "/".join(parts))


@given(st.lists(st.tuples(folder, st.sampled_from(["ext4", "cifs", "nfs"])), max_size=8), folder)
def test_the_mount_found_is_the_longest_mount_point_holding_the_folder(
    mounts: list[tuple[str, str]], path: str
) -> None:
    table = "\n".join(mountinfo_line(point, kind, n=n) for n, (point, kind) in enumerate(mounts))
    holding = [
        point
        for point, _ in mounts
        if point == "/" or path == point or path.startswith(point + "/")
    ]
    found = mount_of(path, table)
    if not holding:
        assert found is None
    else:
        assert found is not None
        assert found[0] == max(holding, key=len)
        last = [kind for point, kind in mounts if point == found[0]][-1]
        assert found[1] == last


def test_this_machines_temporary_folder_is_local(tmp_path: Path) -> None:
    # The real path through /proc/self/mountinfo (or the platform's own call) runs.
    assert network_folder(tmp_path) is None


# ---------------------------------------------------------------- Windows and macOS


@pytest.mark.parametrize(
    ("path", "share"),
    [
        (r"\\nas\民政\2025", r"\\nas\民政"),
        ("//nas/share/ws", r"\\nas\share"),
        (r"\\?\UNC\nas\share\ws", r"\\nas\share"),
        (r"\\?\C:\work", None),
        (r"\\.\C:\work", None),
        (r"C:\Users\民政局\ws", None),
        ("/home/u/ws", None),
    ],
)
def test_unc_paths_name_their_share(path: str, share: str | None) -> None:
    assert unc_share(path) == share


def test_a_mapped_network_drive_is_a_network_folder() -> None:
    def drive_type(root: str) -> int:
        return {"Z:\\": DRIVE_REMOTE, "C:\\": 3}.get(root, 0)  # 3: DRIVE_FIXED

    assert windows_network_folder(r"Z:\活动\2025", drive_type) == NetworkFolder(
        "network drive", "Z:"
    )
    assert windows_network_folder(r"C:\活动\2025", drive_type) is None
    assert windows_network_folder(r"\\nas\share\ws", drive_type) == NetworkFolder(
        "UNC", r"\\nas\share"
    )


def test_each_platform_takes_its_own_way(monkeypatch: pytest.MonkeyPatch) -> None:
    assert network_folder(Path(r"\\nas\share\ws"), platform="win32") == NetworkFolder(
        "UNC", r"\\nas\share"
    )
    monkeypatch.setattr(location, "_darwin_file_system", lambda _: ("smbfs", "/Volumes/mz"))
    assert network_folder(Path("/Volumes/mz/ws"), platform="darwin") == NetworkFolder(
        "smbfs", "/Volumes/mz"
    )
    monkeypatch.setattr(location, "_darwin_file_system", lambda _: ("apfs", "/"))
    assert network_folder(Path("/Users/u/ws"), platform="darwin") is None


# ---------------------------------------------------------------- the refusal and its override


@pytest.fixture
def on_a_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as if it were an SMB share mounted by cifs."""
    if sys.platform != "linux":
        pytest.skip("fakes Linux's mount table")
    table = tmp_path / "mountinfo"
    table.write_text(
        "\n".join([mountinfo_line("/", "ext4"), mountinfo_line(str(tmp_path), "cifs", "//nas/mz")]),
        encoding="utf-8",
    )
    monkeypatch.setattr(location, "MOUNTINFO", table)
    return tmp_path


def test_the_refusal_says_why_what_to_do_and_how_to_override(on_a_share: Path) -> None:
    with pytest.raises(UserError) as refused:
        check_ledger_folder(on_a_share / "ws", allowed=False)
    zh, en = refused.value.zh, refused.value.en
    for part in (
        "网络文件夹",
        "cifs",
        "SMB/NFS",
        "损坏",
        "本机硬盘",
        "数据库服务器",
        "ledger_on_network = true",
    ):
        assert part in zh
    for part in ("network folder", "SMB/NFS", "corrupt", "local disk", "database server"):
        assert part in en
    assert 'ledger = "postgresql://' in zh and 'ledger = "postgresql://' in en  # the way out
    assert "ledger_on_network = true" in en and "own risk" in en
    check_ledger_folder(on_a_share / "ws", allowed=True)  # the override: no error


LEDGER_COMMANDS = [
    ["aid", "allocate", "--year", "2025"],
    ["aid", "history"],
    ["aid", "finalize", "--year", "2025"],
    ["wishes", "status"],
    ["wishes", "match"],
    ["report", "campaign", "--year", "2025", "--no-sign"],
    ["purge", "--year", "2025", "--yes"],
]


@pytest.mark.sqlite_only  # the SQLite ledger file on a network folder
@pytest.mark.parametrize("command", LEDGER_COMMANDS, ids=" ".join)
def test_commands_that_open_the_ledger_refuse_a_network_workspace(
    on_a_share: Path, command: list[str]
) -> None:
    ws = on_a_share / "ws"
    result = runner.invoke(app, [*command, "-w", str(ws)])
    assert result.exit_code == 2, result.output
    assert "网络文件夹" in result.output and "Traceback" not in result.output
    assert not ledger_exists(ws)


@pytest.mark.sqlite_only  # the SQLite ledger file on a network folder
def test_validate_refuses_then_runs_with_the_override(on_a_share: Path) -> None:
    ws = on_a_share / "ws"
    book = write_workbook(on_a_share / "张北县.xlsx", [good_row()])
    args = ["aid", "validate", str(book), "--year", "2025", "--no-workbook", "-w", str(ws)]
    refused = runner.invoke(app, [*args, "--lang", "en"])
    assert refused.exit_code == 2
    assert "network folder" in refused.output and "ledger_on_network" in refused.output
    assert not ledger_exists(ws)
    ws.mkdir()  # the refused command made nothing
    (ws / SETTINGS_FILE).write_text("ledger_on_network = true\n", encoding="utf-8")
    allowed = runner.invoke(app, args)
    assert allowed.exit_code == 0, allowed.output
    assert (ws / "zjk-charity.db").is_file()


def test_commands_without_a_ledger_still_run_on_a_share(on_a_share: Path) -> None:
    ws = on_a_share / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    template = on_a_share / "模板.xlsx"
    assert runner.invoke(app, ["aid", "template", str(template), "-w", str(ws)]).exit_code == 0
    assert template.is_file()


def test_the_setting_is_documented_and_off_by_default(tmp_path: Path) -> None:
    assert "# ledger_on_network = false" in DEFAULT_TOML
    assert load_settings(tmp_path).ledger_on_network is False


def test_a_setting_that_is_not_a_bool_is_refused(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text('ledger_on_network = "maybe"\n', encoding="utf-8")
    with pytest.raises(UserError, match="ledger_on_network"):
        load_settings(tmp_path)


def test_wsl2_windows_drives_and_vm_shares_are_local_but_9p_over_tcp_is_not() -> None:
    """WSL 2 mounts C: as 9p over a file descriptor: the computer's own disk."""
    wsl = "\n".join(
        [
            mountinfo_line("/", "ext4", "/dev/sdc", 20),
            "51 20 0:51 / /mnt/c rw,noatime - 9p C:\\134 rw,aname=drvfs;path=C:\\;cache=5,"
            "trans=fd,rfd=5,wfd=5",
            "52 20 0:52 / /mnt/vm rw - 9p hostshare rw,trans=virtio,version=9p2000.L",
            "53 20 0:53 / /mnt/plan9 rw - 9p 10.0.0.5 rw,trans=tcp,port=564",
        ]
    )
    assert network_mount("/mnt/c/Users/u/Desktop/2025", wsl) is None
    assert network_mount("/mnt/vm/ws", wsl) is None
    assert network_mount("/mnt/plan9/ws", wsl) == NetworkFolder("9p", "/mnt/plan9")


@pytest.mark.sqlite_only  # the SQLite ledger file on a network folder
def test_a_ledger_linked_into_a_share_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local workspace whose zjk-charity.db is a link into a share is one shared
    SQLite file: refused like a workspace on the share."""
    if sys.platform != "linux":
        pytest.skip("fakes Linux's mount table")
    share, ws = tmp_path / "share", tmp_path / "ws"
    share.mkdir()
    ws.mkdir()
    table = tmp_path / "mountinfo"
    table.write_text(
        "\n".join([mountinfo_line("/", "ext4"), mountinfo_line(str(share), "cifs", "//nas/mz")]),
        encoding="utf-8",
    )
    monkeypatch.setattr(location, "MOUNTINFO", table)
    (share / "zjk-charity.db").write_bytes(b"")
    (ws / "zjk-charity.db").symlink_to(share / "zjk-charity.db")
    result = runner.invoke(app, ["aid", "history", "-w", str(ws)])
    assert result.exit_code == 2 and "网络文件夹" in result.output


@pytest.mark.sqlite_only  # the SQLite ledger file on a network folder
def test_the_demo_is_refused_on_a_share_before_it_writes_anything(on_a_share: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(on_a_share / "demo")])
    assert result.exit_code == 2 and "网络文件夹" in result.output
    assert not (on_a_share / "demo").exists()


# ---------------------------------------------------------------- where the ledger is


SERVER = "postgresql://minzheng@10.0.0.5/zjk"


def _workspace(folder: Path, settings: str = "") -> Workspace:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SETTINGS_FILE).write_text(settings, encoding="utf-8")
    return Workspace.open(folder)


def test_the_ledger_is_the_workspaces_file_unless_a_setting_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LEDGER_VARIABLE, raising=False)
    assert _workspace(tmp_path / "a").ledger_target == tmp_path / "a" / "zjk-charity.db"
    assert _workspace(tmp_path / "b", f'ledger = "{SERVER}"\n').ledger_target == SERVER
    blank = _workspace(tmp_path / "c", 'ledger = "  "\n')  # empty: the default
    assert blank.ledger_target == tmp_path / "c" / "zjk-charity.db"


def test_the_environment_variable_wins_over_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _workspace(tmp_path / "ws", f'ledger = "{SERVER}"\n')
    monkeypatch.setenv(LEDGER_VARIABLE, "postgresql://jiancha@10.0.0.6/zjk2025")
    assert ws.ledger_target == "postgresql://jiancha@10.0.0.6/zjk2025"
    monkeypatch.setenv(LEDGER_VARIABLE, "本地台账.db")  # a file, relative to the workspace
    assert ws.ledger_target == tmp_path / "ws" / "本地台账.db"
    monkeypatch.setenv(LEDGER_VARIABLE, "")  # set but empty: the setting
    assert ws.ledger_target == SERVER


@pytest.mark.parametrize(
    "typo",
    [
        "postgressql://x",
        "postgres:/minzheng@host/zjk",
        "PostgreSQL://h",
        "mysql://minzheng@host/zjk",  # another scheme
        "host=db user=minzheng password=Secr3t",  # a libpq keyword string
    ],
)
def test_a_server_address_with_a_typo_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typo: str
) -> None:
    """A typo must not quietly become an SQLite file named like the server."""
    monkeypatch.delenv(LEDGER_VARIABLE, raising=False)
    (tmp_path / SETTINGS_FILE).write_text(f'ledger = "{typo}"\n', encoding="utf-8")
    with pytest.raises(UserError) as refused:
        load_settings(tmp_path)
    assert "ledger" in refused.value.zh and "postgresql://用户@服务器/数据库" in refused.value.zh
    assert "postgresql://user@host/db" in refused.value.en
    monkeypatch.setenv(LEDGER_VARIABLE, typo)
    with pytest.raises(UserError) as refused:
        _ = Workspace.open(tmp_path / "ws").ledger_target
    assert "环境变量" in refused.value.zh and LEDGER_VARIABLE in refused.value.zh
    assert "environment variable" in refused.value.en
    result = runner.invoke(app, ["aid", "history", "-w", str(tmp_path / "ws")])
    assert result.exit_code == 2 and LEDGER_VARIABLE in result.output
    assert "Traceback" not in result.output and not list(tmp_path.rglob("*sql*"))
    assert "Secr3t" not in refused.value.zh + refused.value.en + result.output


def test_a_server_ledger_is_not_refused_on_a_network_folder(
    on_a_share: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server is the answer to the shared folder: nothing of the ledger is on it."""
    monkeypatch.delenv(LEDGER_VARIABLE, raising=False)
    ws = _workspace(on_a_share / "ws", f'ledger = "{SERVER}"\n')
    assert ws.ledger_target == SERVER


def test_a_server_ledger_is_named_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LEDGER_VARIABLE, "postgresql://minzheng:Mi-Ma-123@10.0.0.5:5433/zjk")
    ledger = Workspace.open(tmp_path).ledger()
    assert ledger.where == "postgresql://minzheng@10.0.0.5:5433/zjk"


def test_another_sqlite_file_named_in_the_settings_is_the_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LEDGER_VARIABLE, raising=False)
    ws = _workspace(tmp_path / "ws", 'ledger = "台账/2025.db"\n')
    assert ws.ledger_target == tmp_path / "ws" / "台账" / "2025.db"
    book = write_workbook(tmp_path / "张北县.xlsx", [good_row()])
    args = ["aid", "validate", str(book), "--year", "2025", "--no-workbook", "-w", str(ws.root)]
    assert runner.invoke(app, args).exit_code == 0
    assert ledger_exists(ws.root / "台账" / "2025.db") and not ledger_exists(ws.root)
    with ledger_at(ws.root / "台账" / "2025.db").read() as conn:
        assert conn is not None
        assert conn.execute("SELECT count(*) FROM applicants").fetchone()[0] == 1
