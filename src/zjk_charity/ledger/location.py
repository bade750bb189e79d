"""Whether a workspace's SQLite ledger would sit on a network folder, which is refused.

SQLite keeps a ledger consistent through the file system's locks, and the locks of
network file systems (SMB/CIFS shares, NFS exports, WebDAV, sshfs …) are unreliable:
two offices writing one ledger on a shared folder is how ledgers get corrupted
(https://www.sqlite.org/useovernet.html). So a workspace found on one is refused with a
message saying why and what to do instead (a local disk, or a shared database server
for several offices), unless its settings say ``ledger_on_network = true``.

Detection per platform, each step a pure function of text so tests can feed it
without a network:

- Linux: the longest mount point of ``/proc/self/mountinfo`` that contains the folder
  (:func:`mount_of`), and whether its file system type is a network one
  (:data:`NETWORK_FILE_SYSTEMS`; 9p only over ``trans=tcp``/``rdma``: WSL 2 mounts the
  Windows drives as 9p, and they are local);
- macOS: ``statfs(2)``'s ``f_fstypename`` of the folder (smbfs, nfs, afpfs, webdav);
- Windows: a UNC path (``\\\\server\\share``, :func:`unc_share`) or a drive letter
  that Windows reports as a network drive (``GetDriveTypeW`` = ``DRIVE_REMOTE``).

Whatever cannot be found out (no ``/proc``, an unexpected platform) counts as local:
the check never stops a command it cannot justify stopping.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from zjk_charity.errors import UserError

MOUNTINFO = Path("/proc/self/mountinfo")

# File system types (Linux mountinfo, macOS f_fstypename) that reach another machine.
NETWORK_FILE_SYSTEMS = frozenset(
    {
        # SMB/CIFS (Windows shares, Samba, NAS boxes); macOS calls it smbfs
        "cifs",
        "smb3",
        "smbfs",
        # NFS
        "nfs",
        "nfs4",
        # Apple Filing Protocol, WebDAV (macOS; davfs2 on Linux)
        "afpfs",
        "webdav",
        "davfs",
        "fuse.davfs2",
        # over SSH, and GNOME's mounts of smb:// and sftp:// locations (Files/Nautilus)
        "sshfs",
        "fuse.sshfs",
        "fuse.gvfsd-fuse",
        # cluster and distributed file systems
        "afs",
        "ncpfs",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "fuse.rclone",
    }
)

DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a mapped network drive


@dataclass(frozen=True)
class NetworkFolder:
    """Where a folder reaches the network: ``kind`` (a file system type such as
    ``cifs``, or ``UNC`` / ``network drive``) and ``where`` (its mount point, share or
    drive), for the message."""

    kind: str
    where: str


def is_network_file_system(name: str) -> bool:
    """Whether the file system type ``name`` (as mountinfo or statfs spell it) is remote."""
    return name.lower() in NETWORK_FILE_SYSTEMS


def _unescape(field: str) -> str:
    r"""mountinfo writes a space, tab, newline and backslash in a path as ``\040`` etc."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _contains(mount_point: str, path: str) -> bool:
    if mount_point == "/":
        return path.startswith("/")
    return path == mount_point or path.startswith(mount_point.rstrip("/") + "/")


def mount_of(path: str, mountinfo: str) -> tuple[str, str] | None:
    """(mount point, file system type) of the mount holding the absolute ``path``.

    ``mountinfo`` is the text of ``/proc/self/mountinfo``: per line the mount point is
    the 5th field and the type follows the ``-`` separator. The mount is the longest
    mount point that contains ``path`` component by component (``/mnt/share`` holds
    ``/mnt/share/ws``, not ``/mnt/shared``); of mounts on the same point the last listed
    is the one on top. None when no line applies (an empty or unreadable table).
    """
    found: tuple[str, str] | None = None
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) < 7 or "-" not in fields[6:]:
            continue
        mount_point = _unescape(fields[4])
        separator = fields.index("-", 6)
        if separator + 1 >= len(fields) or not _contains(mount_point, path):
            continue
        if found is None or len(mount_point) >= len(found[0]):
            found = (mount_point, fields[separator + 1])
    return found


def _super_options(path: str, mountinfo: str, mount_point: str) -> str:
    """The file system's own options (the field after its source) of the mount on
    ``mount_point``, the last listed one: ``rw,trans=tcp,…`` for a 9p mount."""
    options = ""
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) >= 7 and "-" in fields[6:] and _unescape(fields[4]) == mount_point:
            separator = fields.index("-", 6)
            options = fields[separator + 3] if separator + 3 < len(fields) else ""
    return options


def _remote_9p(options: str) -> bool:
    """9p is remote only over a network transport (``trans=tcp`` or ``rdma``): WSL 2's
    Windows drives (``/mnt/c``) and virtual machines' shared folders (``trans=fd``,
    ``virtio``) are the computer's own disk."""
    return any(o in ("trans=tcp", "trans=rdma") for o in options.split(","))


def network_mount(path: str, mountinfo: str) -> NetworkFolder | None:
    """The network mount holding ``path`` per ``mountinfo`` (Linux), else None."""
    mount = mount_of(path, mountinfo)
    if mount is None:
        return None
    point, kind = mount
    if kind == "9p" and _remote_9p(_super_options(path, mountinfo, point)):
        return NetworkFolder(kind=kind, where=point)
    if not is_network_file_system(kind):
        return None
    return NetworkFolder(kind=kind, where=point)


def unc_share(path: str) -> str | None:
    r"""``\\server\share`` when ``path`` is a UNC path (``\\server\share\…``,
    ``//server/share/…`` or ``\\?\UNC\server\share\…``), else None.

    ``\\?\C:\…`` and ``\\.\…`` name local drives and devices, not shares.
    """
    drive = PureWindowsPath(path).drive
    for prefix in ("\\\\?\\UNC\\", "\\\\"):
        if drive.startswith(prefix):
            share = drive[len(prefix) :]
            if share and share[0] not in "?." and "\\" in share:
                return "\\\\" + share
            return None
    return None


def windows_network_folder(path: str, drive_type: Callable[[str], int]) -> NetworkFolder | None:
    """A UNC ``path`` or one on a drive that ``drive_type`` (``GetDriveTypeW`` of
    ``"Z:\\"``) reports as ``DRIVE_REMOTE``, else None."""
    share = unc_share(path)
    if share is not None:
        return NetworkFolder(kind="UNC", where=share)
    drive = PureWindowsPath(path).drive
    if len(drive) == 2 and drive[1] == ":" and drive_type(drive + "\\") == DRIVE_REMOTE:
        return NetworkFolder(kind="network drive", where=drive)
    return None


def _windows_drive_type(root: str) -> int:
    import ctypes

    windll: Any = getattr(ctypes, "windll", None)  # only on Windows
    if windll is None:
        return 0
    return int(windll.kernel32.GetDriveTypeW(root))


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent (a new workspace is made on first write)."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _darwin_file_system(path: Path) -> tuple[str, str] | None:
    """(f_fstypename, f_mntonname) of ``statfs(2)`` on macOS, None when unavailable."""
    import ctypes
    import platform

    class StatFs(ctypes.Structure):  # <sys/mount.h>, the 64-bit-inode layout
        _fields_ = [
            ("f_bsize", ctypes.c_uint32),
            ("f_iosize", ctypes.c_int32),
            ("f_blocks", ctypes.c_uint64),
            ("f_bfree", ctypes.c_uint64),
            ("f_bavail", ctypes.c_uint64),
            ("f_files", ctypes.c_uint64),
            ("f_ffree", ctypes.c_uint64),
            ("f_fsid", ctypes.c_int32 * 2),
            ("f_owner", ctypes.c_uint32),
            ("f_type", ctypes.c_uint32),
            ("f_flags", ctypes.c_uint32),
            ("f_fssubtype", ctypes.c_uint32),
            ("f_fstypename", ctypes.c_char * 16),
            ("f_mntonname", ctypes.c_char * 1024),
            ("f_mntfromname", ctypes.c_char * 1024),
            ("f_flags_ext", ctypes.c_uint32),
            ("f_reserved", ctypes.c_uint32 * 7),
        ]

    # On Intel Macs the plain symbol is the old 32-bit-inode layout; Apple silicon has
    # only the 64-bit one, under the plain name.
    name = "statfs$INODE64" if platform.machine() == "x86_64" else "statfs"
    try:
        function = ctypes.CDLL(None, use_errno=True)[name]
    except (OSError, AttributeError):
        return None
    found = StatFs()
    if function(os.fsencode(_existing(path)), ctypes.byref(found)) != 0:
        return None
    return os.fsdecode(found.f_fstypename), os.fsdecode(found.f_mntonname)


def network_folder(folder: Path, platform: str = sys.platform) -> NetworkFolder | None:
    """Where the absolute ``folder`` reaches the network on this machine, else None
    (local, or nothing could be found out)."""
    if platform == "win32":
        return windows_network_folder(str(folder), _windows_drive_type)
    if platform == "darwin":
        system = _darwin_file_system(folder)
        if system is None or not is_network_file_system(system[0]):
            return None
        return NetworkFolder(kind=system[0], where=system[1])
    try:
        table = MOUNTINFO.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None
    return network_mount(str(folder), table)


def check_ledger_folder(folder: Path, allowed: bool) -> None:
    """Nothing when ``folder`` (a workspace) may hold an SQLite ledger, else UserError.

    A folder on a network file system is refused (see the module's docstring) unless
    ``allowed`` (the workspace's ``ledger_on_network = true``, at the user's own risk).
    """
    if allowed:
        return
    found = network_folder(folder)
    if found is None:
        return
    kind_zh = {"UNC": "网络共享", "network drive": "网络驱动器"}.get(found.kind, found.kind)
    raise UserError(
        f"工作目录 {folder} 在网络文件夹上（{kind_zh}：{found.where}）。台账是 SQLite 文件，"
        "SQLite 的文件锁在 SMB/NFS 等网络共享上不可靠，几个人同时使用会损坏台账。"
        "请把工作目录放在本机硬盘上；几个单位要共用同一个活动时，请改用共享的数据库服务器"
        '（PostgreSQL：在 zjk-charity.toml 中写 ledger = "postgresql://用户@服务器/数据库"，'
        "见使用说明）。确需在此使用（风险自负），"
        "请把 zjk-charity.toml 开头的 # ledger_on_network = false 改为 ledger_on_network = true"
        "（去掉 #，写在任何 [小节] 之前）",
        f"the workspace {folder} is on a network folder ({found.kind}: {found.where}). The "
        "ledger is an SQLite file, and SQLite's locking is not safe over SMB/NFS shares: "
        "people working at the same time corrupt the ledger. Keep the workspace on a local "
        "disk; when several offices share a campaign, use a shared database server "
        '(PostgreSQL: ledger = "postgresql://user@host/db" in zjk-charity.toml, see the '
        "README). To use this folder anyway, at your own risk, "
        "change '# ledger_on_network = false' near the top of zjk-charity.toml to "
        "'ledger_on_network = true' (before any [section])",
    )
