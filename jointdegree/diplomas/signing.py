"""Signed diploma records: canonical JSON, an Ed25519 key ring, signatures, verification codes.

An issued record must be verifiable by anyone — an employer, another university, offline — from
the published public keys alone, and any change to it, one character of a name or one credit,
must show (DESIGN.md, "Nothing issued is ever edited"). Pure: stdlib and ``cryptography`` only,
no Flask, no database; the caller passes the key folder and the records.

Canonical form
    RFC 8785 (JCS) for the subset records use: objects with string keys sorted by UTF-16 code
    units, arrays, strings, integers, ``true``/``false``/``null``; no whitespace; UTF-8. Strings
    escape only ``"``, ``\\`` and U+0000–U+001F (``\\b \\t \\n \\f \\r`` short, the rest
    ``\\u00xx``); everything else, "€" and "中" included, is written raw. Floats and
    :class:`~decimal.Decimal` are refused: JCS would print a Decimal credit as an IEEE double and
    ``30.50`` would sign as ``30.5`` — the caller writes exact numbers as strings. Integers beyond
    ±(2**53 − 1) are refused too, since a JavaScript verifier could not reproduce them.

Key storage — the folder the caller passes (``<instance>/keys``, or a mounted secret)
    ``<kid>.pem``
        One Ed25519 private key, PKCS#8 PEM, unencrypted, mode 0600, written once and never
        rewritten (temporary file, then a hard link that fails rather than overwrite). The kid is
        the UTC creation time plus four random hex digits, ``2026-11-30-101502-ab12``: unique,
        sorting as it was made, and the published ``created`` is read from it, so no second file
        has to agree with the key files. A key file readable by group or others is refused.
    ``retired.json``
        ``{"<kid>": "2026-12-01T10:00:00Z", …}``: when each key stopped signing. Replaced
        atomically (temporary file + rename), mode 0600; missing means nothing is retired.
    ``.lock``
        ``flock``-ed while :meth:`KeyRing.ensure` or :meth:`KeyRing.rotate` writes, so that
        gunicorn workers starting together make one key, not one each. A folder that already
        has a current key is only read, so it may be mounted read-only.

    A folder made here is mode 0700. Key files are read through symlinks (secret mounts use
    them) but must not be readable by group or others (0600 or 0400).

    The current key is the newest (greatest kid) not retired. Rotation writes the new key first,
    then retires every other: a crash in between leaves two active keys, and the newest — the new
    one — signs. Retired keys stay in the folder and in :meth:`KeyRing.public_keys`, so records
    signed before a rotation still verify. Retiring is not revoking: deleting a key file (and so
    its published entry) disowns every record it signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, single-process use only
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "ALG",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "RETIRED_FILE",
    "KeyRing",
    "KeyRingError",
    "Reason",
    "SigningKey",
    "Verification",
    "b64url_decode",
    "b64url_encode",
    "canonical",
    "loads_strict",
    "normalize_code",
    "sign",
    "verification_code",
    "verify",
]

ALG = "EdDSA"
RETIRED_FILE = "retired.json"
MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 12

_KID = re.compile(r"(\d{4}-\d{2}-\d{2}-\d{6})-[0-9a-f]{4}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_CODE_DOMAIN = b"jointdegree verification code\x00"
_CODE_SEPARATORS = re.compile("[\\s\\-_.\u2010\u2011\u2012\u2013\u2014\u2015\u2212]+")
_CODE_CONFUSIONS = str.maketrans("OIL", "011")


# --- canonical JSON -------------------------------------------------------------------------

_ESCAPES: dict[int, str] = {code: f"\\u{code:04x}" for code in range(0x20)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
                 0x22: '\\"', 0x5C: "\\\\"})


def canonical(data: Mapping[str, Any]) -> bytes:
    """Return the RFC 8785 (JCS) bytes of ``data``: the exact bytes that are signed.

    Raises ``TypeError`` for a value JCS-for-records does not carry (float, Decimal, bytes, a
    non-string key…) and ``ValueError`` for an unsafe integer, a lone surrogate or nesting deeper
    than :data:`MAX_DEPTH` (also what a reference cycle becomes).
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"a signed record must be a mapping, not {type(data).__name__}")
    out: list[str] = []
    _write(data, out, 0)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone surrogate, which has no UTF-8 form") from None


def _write(value: object, out: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels (or a reference cycle)")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(f'"{value.translate(_ESCAPES)}"')
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"integer {value} is beyond ±(2**53 - 1); give it as a string")
        out.append(str(int(value)))
    elif isinstance(value, Decimal):
        raise TypeError(f"Decimal {value} cannot be signed exactly as a JSON number; "
                        "give it as a string, e.g. str(credits)")
    elif isinstance(value, float):
        raise TypeError(f"float {value!r} is refused in a signed record; "
                        "give exact numbers as strings")
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {type(key).__name__}")
        out.append("{")
        for index, key in enumerate(sorted(value, key=_utf16_order)):
            if index:
                out.append(",")
            out.append(f'"{key.translate(_ESCAPES)}":')
            _write(value[key], out, depth + 1)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out, depth + 1)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} cannot be signed; use str, int, bool, None, "
                        "lists and string-keyed mappings")


def _utf16_order(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as their code units do (RFC 8785 §3.2.3).
    return key.encode("utf-16-be", "surrogatepass")


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON the way :func:`canonical` can sign it, for downloaded records and key files.

    ``json.loads`` keeps the last of two equal keys, so a viewer reading the first would show a
    value that was never checked; duplicates, floats and NaN/Infinity raise ``ValueError``.
    """

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                raise ValueError(f"duplicate key {key!r}")
            obj[key] = value
        return obj

    def refuse(token: str) -> Any:
        raise ValueError(f"non-integer number {token} (exact numbers are strings)")

    return json.loads(text, object_pairs_hook=unique, parse_float=refuse, parse_constant=refuse)


def b64url_encode(raw: bytes) -> str:
    """Base64url without padding (RFC 7515 §2), as JWKs and the signature value use."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, refusing any other spelling of the same bytes."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url text")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(raw) != text:
        raise ValueError("non-canonical base64url (stray trailing bits)")
    return raw


# --- keys -----------------------------------------------------------------------------------


class KeyRingError(Exception):
    """The key folder cannot be used as it is: no key, a loose file mode, an unreadable file."""


@dataclass(frozen=True)
class SigningKey:
    """One Ed25519 key of the ring, with when it was made and, once rotated out, retired."""

    kid: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)
    created: datetime
    retired: datetime | None = None

    def public_jwk(self) -> dict[str, str]:
        """The key's public half as a JWK (RFC 8037 OKP), plus ``created``/``retired``."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {"kid": self.kid, "kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw),
               "use": "sig", "alg": ALG, "created": _timestamp(self.created)}
        if self.retired is not None:
            jwk["retired"] = _timestamp(self.retired)
        return jwk


@dataclass(frozen=True)
class KeyRing:
    """The instance's signing keys, oldest first; see the module docstring for the storage."""

    directory: Path
    keys: tuple[SigningKey, ...]

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> KeyRing:
        """Read the ring; a missing or empty folder is an error, not an empty key list."""
        folder = Path(directory)
        keys = _read_keys(folder)
        if not keys:
            raise KeyRingError(f"no signing keys in {folder}; create one with KeyRing.ensure")
        return cls(folder, keys)

    @classmethod
    def ensure(cls, directory: str | os.PathLike[str], *,
               now: datetime | None = None) -> KeyRing:
        """Load the ring, first making a key if none can sign (first start, or all retired)."""
        folder = Path(directory)
        keys = _read_keys(folder)
        if any(key.retired is None for key in keys):  # the usual case: read only, no lock
            return cls(folder, keys)
        with _locked(folder):  # then look again: another worker may have made it meanwhile
            if not any(key.retired is None for key in _read_keys(folder)):
                _new_key(folder, _utc(now))
            return cls(folder, _read_keys(folder))

    @classmethod
    def rotate(cls, directory: str | os.PathLike[str], *,
               now: datetime | None = None) -> KeyRing:
        """Make a new current key and retire the others, keeping them for verification."""
        folder = Path(directory)
        moment = _utc(now)
        with _locked(folder):
            active = [key.kid for key in _read_keys(folder) if key.retired is None]
            _new_key(folder, moment)
            retired = _read_retired(folder)
            retired.update(dict.fromkeys(active, moment))
            _write_retired(folder, retired)
            return cls(folder, _read_keys(folder))

    @property
    def current(self) -> SigningKey:
        """The key that signs now: the newest one not retired."""
        active = [key for key in self.keys if key.retired is None]
        if not active:
            raise KeyRingError(f"every key in {self.directory} is retired; rotate to make one")
        return max(active, key=lambda key: key.kid)

    def public_keys(self) -> dict[str, list[dict[str, str]]]:
        """The JWKS-like document published at ``/.well-known/jointdegree-keys.json``."""
        return {"keys": [key.public_jwk() for key in self.keys]}


def _utc(now: datetime | None) -> datetime:
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None:
        raise ValueError("now must be an aware datetime (time is UTC inside)")
    return moment.astimezone(UTC).replace(microsecond=0)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read_keys(directory: Path) -> tuple[SigningKey, ...]:
    if not directory.is_dir():
        return ()
    retired = _read_retired(directory)
    keys = []
    for path in sorted(directory.glob("*.pem")):
        match = _KID.fullmatch(path.stem)
        if match is None:
            raise KeyRingError(f"{path}: a key file is named <kid>.pem, "
                               "kid like 2026-11-30-101502-ab12")
        try:
            created = datetime.strptime(match[1], "%Y-%m-%d-%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            raise KeyRingError(f"{path}: the kid's date is not a real date") from None
        keys.append(SigningKey(path.stem, _read_private_key(path), created,
                               retired.get(path.stem)))
    return tuple(keys)


def _read_private_key(path: Path) -> Ed25519PrivateKey:
    with path.open("rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if os.name == "posix" and mode & 0o077:
            raise KeyRingError(f"{path}: mode {mode & 0o777:04o}; a private key must be 0600")
        data = handle.read()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyRingError(f"{path}: not an unencrypted PKCS#8 PEM key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyRingError(f"{path}: not an Ed25519 key")
    return key


def _read_retired(directory: Path) -> dict[str, datetime]:
    path = directory / RETIRED_FILE
    try:
        data = loads_strict(path.read_bytes())
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise KeyRingError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise KeyRingError(f"{path}: expected an object {{kid: retired time}}")
    retired = {}
    for kid, text in data.items():
        try:
            moment = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            raise KeyRingError(f"{path}: {kid}: {text!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise KeyRingError(f"{path}: {kid}: {text!r} has no time zone")
        retired[kid] = moment.astimezone(UTC)
    return retired


def _write_retired(directory: Path, retired: Mapping[str, datetime]) -> None:
    text = json.dumps({kid: _timestamp(retired[kid]) for kid in sorted(retired)}, indent=2)
    tmp = _write_temporary(directory, RETIRED_FILE, (text + "\n").encode("ascii"))
    try:
        os.replace(tmp, directory / RETIRED_FILE)
    finally:
        tmp.unlink(missing_ok=True)
    _sync_directory(directory)


def _new_key(directory: Path, moment: datetime) -> str:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    while True:
        kid = f"{moment:%Y-%m-%d-%H%M%S}-{secrets.token_hex(2)}"
        tmp = _write_temporary(directory, f"{kid}.pem", pem)
        try:
            os.link(tmp, directory / f"{kid}.pem")  # fails rather than overwrite a key
        except FileExistsError:
            continue  # same second, same four hex digits: draw again
        finally:
            tmp.unlink(missing_ok=True)
        _sync_directory(directory)
        return kid


def _write_temporary(directory: Path, name: str, data: bytes) -> Path:
    tmp = directory / f".{name}.{secrets.token_hex(4)}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # the umask only removes bits: make it exactly 0600
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return tmp


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --- signatures -----------------------------------------------------------------------------


class Reason(StrEnum):
    """Why a verification passed or failed; stable keys for messages, logs and the API."""

    VALID = "valid"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Verification:
    """A verification result; ``detail`` is English for logs and the CLI, not for end users."""

    ok: bool
    kid: str | None
    reason: Reason
    detail: str = ""


class _Malformed(Exception):
    pass


def sign(record: Mapping[str, Any], ring: KeyRing) -> dict[str, Any]:
    """Sign ``canonical(record)`` with the ring's current key.

    The returned ``record`` is a fresh copy read back from the signed bytes, so it is exactly what
    was signed and later changes to the caller's mapping cannot creep into it.
    """
    payload = canonical(record)
    key = ring.current
    return {
        "record": json.loads(payload),
        "signature": {"alg": ALG, "kid": key.kid,
                      "value": b64url_encode(key.private_key.sign(payload))},
    }


def verify(signed: Mapping[str, Any], public_keys: Mapping[str, Any]) -> Verification:
    """Check a signed record against the published key document only, as an offline verifier.

    Only ``record`` is vouched for. Other top-level members (a download's ``status``, the keys
    address) are ignored and stay unsigned: show them as such. ``signature`` must hold exactly
    ``alg``/``kid``/``value``, so no unsigned header can change how it is read.
    """
    kid: str | None = None
    try:
        if not isinstance(signed, Mapping) or not {"record", "signature"} <= signed.keys():
            raise _Malformed("expected the keys 'record' and 'signature'")
        signature = signed["signature"]
        if not isinstance(signature, Mapping) or set(signature) != {"alg", "kid", "value"}:
            raise _Malformed("signature: expected exactly the keys 'alg', 'kid' and 'value'")
        if isinstance(signature["kid"], str) and signature["kid"]:
            kid = signature["kid"]
        else:
            raise _Malformed("signature: kid must be a non-empty string")
        if signature["alg"] != ALG:
            raise _Malformed(f"signature: alg must be {ALG!r}")
        try:
            value = b64url_decode(signature["value"])
        except ValueError as exc:
            raise _Malformed(f"signature: value: {exc}") from None
        if len(value) != 64:
            raise _Malformed("signature: an Ed25519 signature is 64 bytes")
        try:
            payload = canonical(signed["record"])
        except (TypeError, ValueError) as exc:
            raise _Malformed(f"record: {exc}") from None
        public_key = _find_key(public_keys, kid)
    except _Malformed as exc:
        return Verification(False, kid, Reason.MALFORMED, str(exc))
    if public_key is None:
        return Verification(False, kid, Reason.UNKNOWN_KEY, f"no published key {kid!r}")
    try:
        public_key.verify(value, payload)
    except InvalidSignature:
        return Verification(False, kid, Reason.BAD_SIGNATURE, "the record is not what was signed")
    return Verification(True, kid, Reason.VALID)


def _find_key(public_keys: Mapping[str, Any], kid: str) -> Ed25519PublicKey | None:
    keys = public_keys.get("keys") if isinstance(public_keys, Mapping) else None
    if not isinstance(keys, list) or not all(isinstance(jwk, Mapping) for jwk in keys):
        raise _Malformed("public keys: expected {'keys': [JWK, ...]}")
    found = [jwk for jwk in keys if jwk.get("kid") == kid]
    if not found:
        return None
    if len(found) > 1:
        raise _Malformed(f"public keys: kid {kid!r} is published more than once")
    jwk = found[0]
    if (jwk.get("kty"), jwk.get("crv")) != ("OKP", "Ed25519") \
            or jwk.get("use", "sig") != "sig" or jwk.get("alg", ALG) != ALG:
        raise _Malformed(f"public keys: {kid!r} is not an Ed25519 signing key")
    try:
        raw = b64url_decode(jwk.get("x"))
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise _Malformed(f"public keys: {kid!r}: x: {exc}") from None


# --- verification codes ---------------------------------------------------------------------


def verification_code(serial: str, secret_hint: bytes) -> str:
    """A 12-character Crockford base32 code, ``ABCD-EFGH-JKMN``, to type on the verify page.

    ``secret_hint`` is the record's signature, raw or as its base64url text's bytes — either,
    used the same way at every issue (the code is stored then): the code is an HMAC of the serial
    under it, so serials, which run in sequence, do not lead to codes. 60 bits: guessing any of a
    million issued codes takes about 2**40 tries.
    """
    if not isinstance(serial, str) or not serial:
        raise ValueError("serial must be a non-empty string")
    if len(secret_hint) < 16:
        raise ValueError("secret_hint must be at least 16 bytes (the signature is 64)")
    digest = hmac.new(bytes(secret_hint), _CODE_DOMAIN + serial.encode("utf-8"),
                      hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - 5 * CODE_LENGTH)
    chars = [CODE_ALPHABET[(number >> (5 * shift)) & 31] for shift in range(CODE_LENGTH)]
    return _grouped("".join(reversed(chars)))


def normalize_code(text: str) -> str | None:
    """Read a typed code back to ``ABCD-EFGH-JKMN``; ``None`` when it cannot be a code.

    Tolerates case, spaces, dashes (and full-width forms from a Chinese IME, by NFKC), and
    Crockford's confusions: O reads as 0, I and L as 1. ``None`` rather than an exception because
    a code that cannot exist is, to the verify page, simply a code that is not found.
    """
    if not isinstance(text, str) or len(text) > 4 * CODE_LENGTH:
        return None
    cleaned = unicodedata.normalize("NFKC", text).upper()
    cleaned = _CODE_SEPARATORS.sub("", cleaned).translate(_CODE_CONFUSIONS)
    if len(cleaned) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in cleaned):
        return None
    return _grouped(cleaned)


def _grouped(code: str) -> str:
    return "-".join(code[start:start + 4] for start in range(0, len(code), 4))
