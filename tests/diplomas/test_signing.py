"""Signed diploma records: JCS examples, key storage and rotation, tampering, verification codes."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from jointdegree.diplomas.signing import (
    CODE_ALPHABET,
    MAX_SAFE_INTEGER,
    RETIRED_FILE,
    KeyRing,
    KeyRingError,
    Reason,
    b64url_decode,
    b64url_encode,
    canonical,
    loads_strict,
    normalize_code,
    sign,
    verification_code,
    verify,
)

T1 = datetime(2026, 11, 30, 10, 15, 2, tzinfo=UTC)
T2 = datetime(2027, 6, 1, 8, 0, 0, tzinfo=UTC)

RECORD: dict[str, Any] = {
    "type": "combined-diploma",
    "serial": "JD-2026-000123",
    "issued": "2026-11-30T09:00:00Z",
    "student": {"name": {"zh": "张伟", "fr": "ZHANG Wei"}, "born": "2003-04-05"},
    "degrees": [
        {"institution": "Université Côte d'Azur", "title": "Master Informatique",
         "credits": {"ects": "120", "cn": "80"}},
        {"institution": "海南大学", "title": "计算机科学与技术 硕士",
         "credits": {"ects": "120", "cn": "80"}},
    ],
    "average": "15.25",
    "semesters": 4,
    "honours": None,
    "thesis_defended": True,
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def ring(folder: Path) -> KeyRing:
    return KeyRing.ensure(folder, now=T1)


@pytest.fixture
def restore_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- canonical JSON: RFC 8785 ---------------------------------------------------------------

def test_rfc8785_property_sorting_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3: the emoji (surrogates D83D DE00) sorts before U+FB33, unlike code points.
    text = r"""{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }"""
    expected = ('{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
                '"ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign",'
                '"😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}')
    assert canonical(json.loads(text)) == expected.encode("utf-8")


def test_rfc8785_string_and_literals_example() -> None:
    # RFC 8785 §3.2.2 without its "numbers" member (floats are refused, see below).
    text = r"""{
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"""
    expected = r'''{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}'''
    assert canonical(json.loads(text)) == expected.encode("utf-8")


def test_rfc8785_numbers_member_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        canonical(json.loads('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3]}'))


def test_non_ascii_is_raw_utf8() -> None:
    assert canonical({"a": "€中"}) == b'{"a":"\xe2\x82\xac\xe4\xb8\xad"}'
    assert canonical({"中": 1}) == '{"中":1}'.encode()


def test_control_characters_escape_minimally() -> None:
    text = "".join(chr(code) for code in range(0x20)) + '"\\/\x7f\u2028'
    body = canonical({"s": text})[len(b'{"s":"'):-len(b'"}')]
    assert body == (b"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
                    b"\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
                    b"\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
                    b"\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
                    b'\\"\\\\/\x7f\xe2\x80\xa8')


def test_no_whitespace_lists_integers_literals() -> None:
    data = {"b": [1, -2, 0, (3, 4)], "a": {"z": None, "y": True, "x": False}}
    assert canonical(data) == b'{"a":{"x":false,"y":true,"z":null},"b":[1,-2,0,[3,4]]}'


def test_stable_under_key_order() -> None:
    reordered = dict(reversed(list(RECORD.items())))
    reordered["student"] = {"born": "2003-04-05", "name": {"fr": "ZHANG Wei", "zh": "张伟"}}
    assert canonical(reordered) == canonical(RECORD)


@pytest.mark.parametrize(("value", "message"), [
    (1.5, "float"),
    (1.0, "float"),
    (Decimal("30.5"), "Decimal"),
    (b"bytes", "bytes"),
    ({1, 2}, "set"),
    (T1, "datetime"),
])
def test_refuses_values_that_are_not_exact_json(value: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        canonical({"credits": [value]})


def test_decimal_error_says_to_use_a_string() -> None:
    with pytest.raises(TypeError, match="as a string"):
        canonical({"credits": Decimal("30.50")})


def test_refuses_non_string_keys_and_non_mappings() -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        canonical({1: "one"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="mapping"):
        canonical(["not", "an", "object"])  # type: ignore[arg-type]


def test_refuses_unsafe_integers_lone_surrogates_and_cycles() -> None:
    assert canonical({"n": -MAX_SAFE_INTEGER}) == f'{{"n":{-MAX_SAFE_INTEGER}}}'.encode()
    with pytest.raises(ValueError, match="2\\*\\*53"):
        canonical({"n": MAX_SAFE_INTEGER + 1})
    with pytest.raises(ValueError, match="surrogate"):
        canonical({"s": "\ud800"})
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    with pytest.raises(ValueError, match="deeper"):
        canonical(cycle)


BMP_TEXT = st.text(st.characters(codec="utf-8", max_codepoint=0xFFFF), max_size=8)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | BMP_TEXT,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(BMP_TEXT, children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(BMP_TEXT, JSON_VALUES, max_size=6))
def test_agrees_with_json_dumps_for_bmp_keys(data: dict[str, Any]) -> None:
    # Within the BMP, UTF-16 order is code point order, and Python escapes exactly as JCS does.
    expected = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert canonical(data) == expected.encode("utf-8")
    assert canonical(json.loads(canonical(data))) == canonical(data)


def test_loads_strict_refuses_duplicates_floats_and_nan() -> None:
    assert loads_strict('{"a": [1, "x"]}') == {"a": [1, "x"]}
    for text in ('{"name": "张伟", "name": "张玮"}', '{"a": 1.5}', '{"a": NaN}', "[Infinity]"):
        with pytest.raises(ValueError):
            loads_strict(text)


def test_b64url_refuses_other_spellings() -> None:
    assert b64url_decode(b64url_encode(b"\xff\xfe")) == b"\xff\xfe"
    for text in ("__4=", "__5", "ab+/", "a", "a b"):
        with pytest.raises(ValueError):
            b64url_decode(text)


# --- keys -----------------------------------------------------------------------------------

def test_ensure_creates_one_0600_pkcs8_key(folder: Path, restore_umask: None) -> None:
    os.umask(0)  # even a careless umask must not widen the key file
    ring = KeyRing.ensure(folder, now=T1)
    files = sorted(folder.glob("*.pem"))
    assert [path.stem for path in files] == [ring.current.kid]
    assert re.fullmatch(r"2026-11-30-101502-[0-9a-f]{4}", ring.current.kid)
    assert mode(files[0]) == 0o600
    assert mode(folder) == 0o700
    pem = files[0].read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert ring.current.created == T1
    assert ring.current.retired is None
    assert not list(folder.glob(".*.part"))


def test_ensure_is_idempotent(folder: Path) -> None:
    first = KeyRing.ensure(folder, now=T1)
    again = KeyRing.ensure(folder, now=T2)
    assert again.current.kid == first.current.kid
    assert len(again.keys) == 1
    assert KeyRing.load(folder).current.kid == first.current.kid


def test_workers_starting_together_make_one_key(folder: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        rings = list(pool.map(lambda _: KeyRing.ensure(folder), range(16)))
    assert len({ring.current.kid for ring in rings}) == 1
    assert len(list(folder.glob("*.pem"))) == 1


def test_rotate_makes_a_new_current_key_and_retires_the_old(folder: Path) -> None:
    old = KeyRing.ensure(folder, now=T1).current
    ring = KeyRing.rotate(folder, now=T2)
    assert ring.current.kid != old.kid
    assert ring.current.created == T2
    assert [key.kid for key in ring.keys] == [old.kid, ring.current.kid]
    assert ring.keys[0].retired == T2
    retired = json.loads((folder / RETIRED_FILE).read_text())
    assert retired == {old.kid: "2027-06-01T08:00:00Z"}
    assert mode(folder / RETIRED_FILE) == 0o600
    assert all(mode(path) == 0o600 for path in folder.glob("*.pem"))
    assert KeyRing.load(folder).current.kid == ring.current.kid


def test_rotate_in_the_same_second_still_switches(folder: Path) -> None:
    first = KeyRing.ensure(folder, now=T1).current.kid
    second = KeyRing.rotate(folder, now=T1).current.kid
    third = KeyRing.rotate(folder, now=T1)
    assert len({first, second, third.current.kid}) == 3
    assert [key.kid for key in third.keys if key.retired is None] == [third.current.kid]


def test_ensure_makes_a_key_when_every_key_is_retired(folder: Path) -> None:
    old = KeyRing.ensure(folder, now=T1).current.kid
    (folder / RETIRED_FILE).write_text(json.dumps({old: "2027-01-01T00:00:00Z"}))
    with pytest.raises(KeyRingError, match="retired"):
        _ = KeyRing.load(folder).current
    assert KeyRing.ensure(folder, now=T2).current.kid != old


def test_public_keys_publish_only_public_halves(folder: Path) -> None:
    KeyRing.ensure(folder, now=T1)
    ring = KeyRing.rotate(folder, now=T2)
    published = json.loads(json.dumps(ring.public_keys()))
    old, new = published["keys"]
    for jwk, key in zip(published["keys"], ring.keys, strict=True):
        assert {"kid", "kty", "crv", "x", "use", "alg", "created"} <= set(jwk)
        assert "d" not in jwk
        assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == (
            "OKP", "Ed25519", "sig", "EdDSA")
        raw = key.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        assert b64url_decode(jwk["x"]) == raw
    assert old["created"] == "2026-11-30T10:15:02Z"
    assert old["retired"] == new["created"] == "2027-06-01T08:00:00Z"
    assert "retired" not in new


def test_load_refuses_a_key_readable_by_others(ring: KeyRing, folder: Path) -> None:
    path = folder / f"{ring.current.kid}.pem"
    path.chmod(0o640)
    with pytest.raises(KeyRingError, match="0600"):
        KeyRing.load(folder)


def test_load_refuses_stray_and_foreign_key_files(ring: KeyRing, folder: Path) -> None:
    stray = folder / "backup.pem"
    stray.write_bytes(b"")
    with pytest.raises(KeyRingError, match=r"<kid>\.pem"):
        KeyRing.load(folder)
    stray.unlink()
    foreign = folder / "2026-12-01-000000-abcd.pem"
    foreign.write_bytes(X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    foreign.chmod(0o600)
    with pytest.raises(KeyRingError, match="not an Ed25519"):
        KeyRing.load(folder)


def test_ensure_with_a_current_key_only_reads(ring: KeyRing, folder: Path) -> None:
    # So the folder can be a read-only mount once provisioned.
    (folder / ".lock").unlink()
    before = sorted(path.name for path in folder.iterdir())
    assert KeyRing.ensure(folder).current.kid == ring.current.kid
    assert sorted(path.name for path in folder.iterdir()) == before


def test_loads_symlinked_read_only_keys(ring: KeyRing, tmp_path: Path) -> None:
    # A secret mount: <kid>.pem -> ..data/<kid>.pem, mode 0400.
    mount = tmp_path / "mount"
    (mount / "..data").mkdir(parents=True)
    name = f"{ring.current.kid}.pem"
    target = mount / "..data" / name
    target.write_bytes((ring.directory / name).read_bytes())
    target.chmod(0o400)
    (mount / name).symlink_to(Path("..data") / name)
    assert KeyRing.load(mount).public_keys() == ring.public_keys()


def test_load_without_keys_is_an_error(folder: Path) -> None:
    with pytest.raises(KeyRingError, match="ensure"):
        KeyRing.load(folder)


def test_naive_now_is_refused(folder: Path) -> None:
    with pytest.raises(ValueError, match="aware"):
        KeyRing.ensure(folder, now=datetime(2026, 11, 30))


# --- sign and verify ------------------------------------------------------------------------

def test_round_trip(ring: KeyRing) -> None:
    signed = sign(RECORD, ring)
    assert signed["record"] == RECORD
    assert signed["signature"]["alg"] == "EdDSA"
    assert signed["signature"]["kid"] == ring.current.kid
    assert len(b64url_decode(signed["signature"]["value"])) == 64
    result = verify(signed, ring.public_keys())
    assert (result.ok, result.kid, result.reason) == (True, ring.current.kid, Reason.VALID)
    assert result.reason == "valid"


def test_round_trip_through_downloaded_files(ring: KeyRing, tmp_path: Path) -> None:
    # What an offline CLI does: two JSON files, parsed strictly, nothing else.
    record_file, keys_file = tmp_path / "record.json", tmp_path / "keys.json"
    record_file.write_text(json.dumps(sign(RECORD, ring), ensure_ascii=False, indent=2),
                           encoding="utf-8")
    keys_file.write_text(json.dumps(ring.public_keys(), indent=2), encoding="utf-8")
    result = verify(loads_strict(record_file.read_bytes()), loads_strict(keys_file.read_bytes()))
    assert result.ok


def test_signed_record_is_a_copy(ring: KeyRing) -> None:
    record = copy.deepcopy(RECORD)
    signed = sign(record, ring)
    record["average"] = "19.99"
    assert signed["record"]["average"] == "15.25"
    assert verify(signed, ring.public_keys()).ok


def test_key_order_does_not_matter_to_verification(ring: KeyRing) -> None:
    signed = sign(RECORD, ring)
    signed["record"] = dict(reversed(list(signed["record"].items())))
    assert verify(signed, ring.public_keys()).ok


def _set(path: tuple[Any, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        target = record
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


TAMPERING: dict[str, Callable[[dict[str, Any]], None]] = {
    "one character of a Chinese name": _set(("student", "name", "zh"), "张玮"),
    "a credit": _set(("degrees", 0, "credits", "ects"), "121"),
    "a Chinese credit": _set(("degrees", 1, "credits", "cn"), "81"),
    "an integer": _set(("semesters",), 5),
    "a trailing zero": _set(("average",), "15.250"),
    "null to a string": _set(("honours",), "très bien"),
    "true to false": _set(("thesis_defended",), False),
    "an added field": _set(("revoked",), False),
    "a removed field": lambda record: record.pop("average"),
    "list order": lambda record: record["degrees"].reverse(),
    "NFD instead of NFC": _set(("degrees", 0, "institution"),
                               unicodedata.normalize("NFD", "Université Côte d'Azur")),
}


@pytest.mark.parametrize("change", TAMPERING.values(), ids=TAMPERING.keys())
def test_any_change_breaks_the_signature(ring: KeyRing,
                                         change: Callable[[dict[str, Any]], None]) -> None:
    signed = sign(RECORD, ring)
    tampered = copy.deepcopy(signed)
    change(tampered["record"])
    assert tampered["record"] != signed["record"]
    result = verify(tampered, ring.public_keys())
    assert (result.ok, result.reason) == (False, Reason.BAD_SIGNATURE)


def test_record_signed_with_a_rotated_key_still_verifies(folder: Path) -> None:
    old_ring = KeyRing.ensure(folder, now=T1)
    old_signed = sign(RECORD, old_ring)
    new_ring = KeyRing.rotate(folder, now=T2)
    new_signed = sign(RECORD, new_ring)
    assert old_signed["signature"]["kid"] != new_signed["signature"]["kid"]
    published = json.loads(json.dumps(new_ring.public_keys()))
    assert verify(old_signed, published).reason == Reason.VALID
    assert verify(new_signed, published).reason == Reason.VALID


def test_unknown_kid(tmp_path: Path) -> None:
    ours = KeyRing.ensure(tmp_path / "ours")
    theirs = KeyRing.ensure(tmp_path / "theirs")
    signed = sign(RECORD, theirs)
    result = verify(signed, ours.public_keys())
    assert (result.ok, result.kid, result.reason) == (False, theirs.current.kid,
                                                      Reason.UNKNOWN_KEY)
    assert verify(signed, {"keys": []}).reason == Reason.UNKNOWN_KEY


def test_signature_under_another_published_key_is_bad(folder: Path) -> None:
    old_ring = KeyRing.ensure(folder, now=T1)
    signed = sign(RECORD, old_ring)
    ring = KeyRing.rotate(folder, now=T2)
    signed["signature"]["kid"] = ring.current.kid
    assert verify(signed, ring.public_keys()).reason == Reason.BAD_SIGNATURE


def test_signature_of_another_record_is_bad(ring: KeyRing) -> None:
    signed = sign(RECORD, ring)
    other = sign({**RECORD, "serial": "JD-2026-000124"}, ring)
    signed["signature"] = other["signature"]
    assert verify(signed, ring.public_keys()).reason == Reason.BAD_SIGNATURE


ENVELOPE_DAMAGE: dict[str, Callable[[dict[str, Any]], None]] = {
    "no signature": lambda signed: signed.pop("signature"),
    "alg none": _set(("signature", "alg"), "none"),
    "extra signature member": _set(("signature", "x5u"), "https://evil.example/"),
    "empty kid": _set(("signature", "kid"), ""),
    "integer kid": _set(("signature", "kid"), 7),
    "value not base64url": _set(("signature", "value"), "not base64!"),
    "value padded": lambda signed: signed["signature"].update(
        value=signed["signature"]["value"] + "=="),
    "value too short": _set(("signature", "value"), b64url_encode(bytes(63))),
    "record is a list": _set(("record",), [1, 2]),
    "record holds a float": _set(("record", "average"), 15.25),
}


@pytest.mark.parametrize("damage", ENVELOPE_DAMAGE.values(), ids=ENVELOPE_DAMAGE.keys())
def test_malformed_envelopes(ring: KeyRing, damage: Callable[[dict[str, Any]], None]) -> None:
    signed = sign(RECORD, ring)
    damage(signed)
    result = verify(signed, ring.public_keys())
    assert (result.ok, result.reason) == (False, Reason.MALFORMED)
    assert result.detail


def test_unsigned_top_level_members_are_ignored(ring: KeyRing) -> None:
    # A download carries its status beside the signed record; only the record is vouched for.
    signed = sign(RECORD, ring)
    document = {**signed, "status": "revoked", "keys": "/.well-known/jointdegree-keys.json"}
    assert verify(document, ring.public_keys()).ok
    document["record"] = {**RECORD, "status": "valid"}
    assert verify(document, ring.public_keys()).reason == Reason.BAD_SIGNATURE


def test_malformed_inputs_that_are_not_mappings(ring: KeyRing) -> None:
    assert verify([], ring.public_keys()).reason == Reason.MALFORMED  # type: ignore[arg-type]
    assert verify(sign(RECORD, ring), []).reason == Reason.MALFORMED  # type: ignore[arg-type]


def test_malformed_key_documents(ring: KeyRing) -> None:
    signed = sign(RECORD, ring)
    jwk = ring.public_keys()["keys"][0]
    documents: list[Any] = [
        {},
        {"keys": "all of them"},
        {"keys": [jwk, "junk"]},
        {"keys": [jwk, dict(jwk)]},
        {"keys": [{**jwk, "crv": "X25519"}]},
        {"keys": [{**jwk, "use": "enc"}]},
        {"keys": [{**jwk, "x": jwk["x"][:-2]}]},
        {"keys": [{key: value for key, value in jwk.items() if key != "x"}]},
    ]
    for document in documents:
        assert verify(signed, document).reason == Reason.MALFORMED, document


# --- verification codes ---------------------------------------------------------------------

SIGNATURE = bytes(range(64))
CODE_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def test_code_shape_and_derivation() -> None:
    code = verification_code("JD-2026-000123", SIGNATURE)
    assert CODE_RE.fullmatch(code)
    # Independently: HMAC-SHA256, top 60 bits, RFC 4648 base32 mapped onto Crockford's alphabet.
    digest = hmac.new(SIGNATURE, b"jointdegree verification code\x00JD-2026-000123",
                      hashlib.sha256).digest()
    rfc4648 = base64.b32encode(digest[:8]).decode()[:12]
    expected = rfc4648.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                                               CODE_ALPHABET))
    assert code.replace("-", "") == expected


def test_code_depends_on_serial_and_signature() -> None:
    code = verification_code("JD-2026-000123", SIGNATURE)
    assert verification_code("JD-2026-000123", SIGNATURE) == code
    assert verification_code("JD-2026-000124", SIGNATURE) != code
    assert verification_code("JD-2026-000123", SIGNATURE[::-1]) != code


def test_code_needs_a_real_secret() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        verification_code("JD-2026-000123", b"")
    with pytest.raises(ValueError, match="serial"):
        verification_code("", SIGNATURE)


def test_code_from_a_real_signature(ring: KeyRing) -> None:
    signed = sign(RECORD, ring)
    code = verification_code(RECORD["serial"], b64url_decode(signed["signature"]["value"]))
    assert normalize_code(code.lower().replace("-", " ")) == code


@pytest.mark.parametrize("typed", [
    "ABCD-EFGH-JKMN",
    "abcd-efgh-jkmn",
    "  abcd efgh jkmn ",
    "ABCDEFGHJKMN",
    "abcd–efgh—jkmn",
    "ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ",
])
def test_normalize_code_tolerates_case_spaces_and_dashes(typed: str) -> None:
    assert normalize_code(typed) == "ABCD-EFGH-JKMN"


def test_normalize_code_reads_crockford_confusions() -> None:
    assert normalize_code("oO0i-IlL1-abcd") == "0001-1111-ABCD"


@pytest.mark.parametrize("typed", ["", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMU",
                                   "ABCD-EFGH-JKM*", "张伟", "-" * 10_000 + "ABCDEFGHJKMN"])
def test_normalize_code_returns_none_for_what_is_not_a_code(typed: str) -> None:
    assert normalize_code(typed) is None
