"""Ed25519 keys, signing a report's manifest, and verifying a report folder.

Keys live in the workspace's ``keys/``: ``signing-key.pem`` (PKCS#8, mode 0600,
optionally encrypted with a passphrase), ``signing-key.pub.pem`` and ``signer.json``
(the signer's name and role, written into every manifest). The fingerprint is the
SHA-256 of the raw 32-byte public key, shown as 16 groups of 4 hex digits.

``manifest.sig`` holds the base64 text of the Ed25519 signature of the exact bytes of
``manifest.json``, so either file can travel by e-mail or be printed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zjk_charity.errors import UserError
from zjk_charity.ledger import file_sha256

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

PRIVATE_FILE = "signing-key.pem"
PUBLIC_FILE = "signing-key.pub.pem"
SIGNER_FILE = "signer.json"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


@dataclass(frozen=True)
class Signer:
    name: str
    role: str
    fingerprint: str


def fingerprint(public: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i : i + 4] for i in range(0, 64, 4))


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def init_keys(folder: Path, name: str, role: str, passphrase: str | None = None) -> Signer:
    """Create a key pair; refuses to overwrite an existing private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path = folder / PRIVATE_FILE
    if private_path.exists():
        raise UserError(
            f"{private_path} 已存在，未覆盖；旧密钥签过的报告要用它的公钥核验，请勿随意替换",
            f"{private_path} exists and was not overwritten",
        )
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    _write_private(
        private_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ),
    )
    public = key.public_key()
    (folder / PUBLIC_FILE).write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    signer = Signer(name, role, fingerprint(public))
    (folder / SIGNER_FILE).write_text(
        json.dumps({"name": name, "role": role}, ensure_ascii=False), encoding="utf-8"
    )
    return signer


def _read_key(path: Path) -> bytes:
    """The bytes of a key file, or a UserError naming it when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(
            f"无法读取密钥文件 {path}（{exc.strerror or exc}）；请检查它的权限",
            f"cannot read the key file {path} ({exc.strerror or exc}); check its permissions",
        ) from None


def load_public(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in ``path``; any other content is a UserError naming it.

    A PEM key of a type cryptography does not support (``UnsupportedAlgorithm``) is
    refused like any key that is not Ed25519.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not path.is_file():
        raise UserError(
            f"找不到公钥 {path}；请用 --key 指定，或先运行 zjk-charity keys init",
            f"public key {path} not found; pass --key or run zjk-charity keys init",
        )
    try:
        key = serialization.load_pem_public_key(_read_key(path))
    except (ValueError, UnsupportedAlgorithm):
        key = None  # not PEM, damaged, or a key type cryptography cannot load
    if not isinstance(key, Ed25519PublicKey):
        raise UserError(f"{path} 不是 Ed25519 公钥", f"{path} is not an Ed25519 public key")
    return key


def load_signer(folder: Path, passphrase: str | None = None) -> tuple[Ed25519PrivateKey, Signer]:
    """The workspace's private key and signer; a clear message when there is none.

    Every problem with ``keys/`` is a UserError naming the file: a private key that is
    not Ed25519 (including a type cryptography cannot load, ``UnsupportedAlgorithm``),
    a missing or wrong passphrase, or a ``signer.json`` that is not a UTF-8 JSON object
    of text values. A missing ``signer.json`` still means a signer without name or role.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = folder / PRIVATE_FILE
    if not path.is_file():
        raise UserError(
            f"工作目录中没有签名密钥（{path}）；请先运行 zjk-charity keys init，或加 --no-sign 出未签名报告",
            f"no signing key at {path}; run zjk-charity keys init, or use --no-sign",
        )
    try:
        key = serialization.load_pem_private_key(
            _read_key(path), passphrase.encode("utf-8") if passphrase else None
        )
    except TypeError:
        if passphrase:
            raise UserError(
                f"签名密钥 {path} 没有设口令；请不要提供口令（ZJK_CHARITY_KEY_PASSPHRASE、--passphrase）",
                f"the signing key {path} has no passphrase; do not pass one",
            ) from None
        raise UserError(
            "签名密钥设有口令；请设置环境变量 ZJK_CHARITY_KEY_PASSPHRASE 或用 --passphrase 提供",
            "the signing key has a passphrase; set ZJK_CHARITY_KEY_PASSPHRASE",
        ) from None
    except ValueError:
        raise UserError(
            f"签名密钥口令不对，或密钥文件已损坏（{path}）",
            f"wrong passphrase or damaged key ({path})",
        ) from None
    except UnsupportedAlgorithm:
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError(f"{path} 不是 Ed25519 私钥", f"{path} is not an Ed25519 private key")
    meta = _read_signer(folder / SIGNER_FILE)
    signer = Signer(meta.get("name", ""), meta.get("role", ""), fingerprint(key.public_key()))
    return key, signer


def _read_signer(path: Path) -> dict[str, str]:
    """``signer.json`` as a dict of text, {} when there is none; else a UserError."""
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        meta = None  # unreadable, not UTF-8, not JSON (JSONDecodeError is a ValueError)
    if not isinstance(meta, dict) or not all(
        isinstance(meta.get(k, ""), str) for k in ("name", "role")
    ):
        raise UserError(
            f"{path} 不是有效的签字人信息（应为 UTF-8 编码的 JSON，如 "
            '{"name": "张三", "role": "经办人"}）；请改正，或删除它（报告将不写签名人姓名）',
            f"{path} is not valid signer information (UTF-8 JSON like "
            '{"name": "...", "role": "..."}); fix or delete it',
        )
    return {k: meta[k] for k in ("name", "role") if k in meta}


def sign(key: Ed25519PrivateKey, manifest_bytes: bytes) -> bytes:
    """The ``manifest.sig`` contents: base64 of the Ed25519 signature, one line."""
    return base64.b64encode(key.sign(manifest_bytes)) + b"\n"


@dataclass
class Verdict:
    ok: bool
    signed: bool
    signer: dict[str, Any]
    signed_at: str
    fingerprint: str
    problem_zh: str = ""
    problem_en: str = ""
    file: str | None = None  # the first file that differs

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "signed": self.signed,
            "signer": self.signer,
            "signed_at": self.signed_at,
            "fingerprint": self.fingerprint,
            "file": self.file,
            "problem": self.problem_zh,
        }


def _read_manifest(folder: Path) -> tuple[bytes, dict[str, Any]]:
    path = folder / MANIFEST
    if not path.is_file():
        raise UserError(
            f"{folder} 中没有 {MANIFEST}；请指定报告所在的文件夹",
            f"no {MANIFEST} in {folder}; pass a report folder",
        )
    data = path.read_bytes()
    try:
        manifest = json.loads(data)
        if not isinstance(manifest, dict):
            raise ValueError
    except ValueError:
        manifest = {}
    return data, manifest


def verify(folder: Path, public: Ed25519PublicKey) -> Verdict:
    """Check the signature over manifest.json, then every listed file's SHA-256."""
    from cryptography.exceptions import InvalidSignature

    data, manifest = _read_manifest(folder)
    signer = manifest.get("signer") or {}
    verdict = Verdict(False, False, signer, str(manifest.get("signed_at", "")), fingerprint(public))
    sig_path = folder / SIGNATURE
    if not sig_path.is_file():
        verdict.problem_zh = f"报告未签名（没有 {SIGNATURE}）"
        verdict.problem_en = f"the report is not signed (no {SIGNATURE})"
        return verdict
    try:
        public.verify(base64.b64decode(sig_path.read_bytes().strip(), validate=True), data)
    except (InvalidSignature, ValueError):
        verdict.problem_zh = "签名无效：manifest.json 被改动过，或不是用这把密钥签的"
        verdict.problem_en = "bad signature: manifest.json was changed, or another key signed it"
        return verdict
    verdict.signed = True
    for entry in manifest.get("files", []):
        name = str(entry.get("name", ""))
        path = folder / name
        if Path(name).name != name or not path.is_file():
            verdict.file = name
            verdict.problem_zh = f"清单中的文件 {name} 不存在"
            verdict.problem_en = f"listed file {name} is missing"
            return verdict
        if file_sha256(path) != entry.get("sha256"):
            verdict.file = name
            verdict.problem_zh = f"文件 {name} 与签名时不一致（SHA-256 不同）"
            verdict.problem_en = f"{name} differs from the signed version (SHA-256 mismatch)"
            return verdict
    verdict.ok = True
    return verdict
