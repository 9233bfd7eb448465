"""Open Badges 3.0 export: schema validity, eddsa-jcs-2022 proofs checked independently and
against the W3C test vector, tampering, keys, base58btc. No database: the record is built here."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft201909Validator
from jsonschema.validators import validator_for

from jointdegree.diplomas.openbadge import (
    CONTEXTS,
    KEYS_PATH,
    add_proof,
    b58decode,
    b58encode,
    credential,
    sign_credential,
    verify_credential,
    verify_proof,
)
from jointdegree.diplomas.signing import KeyRing, canonical, loads_strict
from tests.support import REFERENCE, skip_or_fail

OB3 = REFERENCE / "ob3"
SCHEMA_FILE = OB3 / "ob_v3p0_achievementcredential_schema.json"

BASE_URL = "https://diplomes.example.org"
ISSUER_NAME = {"fr": "Registre des doubles diplômes UCA – Université de Hainan",
               "zh": "蔚蓝海岸大学–海南大学双学位登记处",
               "en": "UCA – Hainan University double-degree registry"}
T1 = datetime(2026, 11, 30, 10, 15, 2, tzinfo=UTC)
CREATED = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)

# What services.content_of + _issue store for an issued record (numbers as strings, NFC text).
RECORD: dict[str, Any] = {
    "type": "jointdegree.combined-diploma", "version": 1,
    "serial": "NICE-HAIKOU-2026-000042",
    "conferred_on": "2026-11-27",
    "student": {"family_name": "Martin", "given_names": "Zoë", "name_han": "张喆",
                "birth_date": "2002-05-14", "nationality": "FR",
                "numbers": {"UCA": "21904521", "HAINANU": "20220817042"}},
    "double_degree": {"code": "NICE-HAIKOU-CS", "names": {
        "fr": "Double diplôme de master en informatique Nice–Haikou",
        "zh": "尼斯–海口计算机科学硕士双学位项目",
        "en": "Nice–Haikou double master's degree in computer science"}},
    "degrees": [
        {"institution": {"code": "UCA", "hei_id": "univ-cotedazur.fr",
                         "names": {"fr": "Université Côte d'Azur", "zh": "蔚蓝海岸大学",
                                   "en": "Université Côte d'Azur"}},
         "programme": {"code": "M-INFO", "level": "master",
                       "names": {"fr": "Master mention Informatique",
                                 "zh": "计算机科学硕士（法国国家硕士）",
                                 "en": "Master in Computer Science"}},
         "credits": {"value": "120", "system": "ects"},
         "overall_grade": {"value": "14.25", "scale": "fr-20"},
         "honours": "bien",
         "documents": ["diplôme national de master"]},
        {"institution": {"code": "HAINANU", "hei_id": "hainanu.edu.cn",
                         "names": {"fr": "Université de Hainan", "zh": "海南大学",
                                   "en": "Hainan University"}},
         "programme": {"code": "MS-CST", "level": "master",
                       "names": {"fr": "Master en sciences et technologies informatiques",
                                 "zh": "计算机科学与技术（学术型硕士）",
                                 "en": "Master of Computer Science and Technology"}},
         "credits": {"value": "34.5", "system": "cn"},
         "overall_grade": {"value": "86", "scale": "cn-100"},
         "honours": None,
         "documents": ["毕业证书", "学位证书"]},
    ],
    "total_credits": {"ects": "120", "cn": "34.5"},
    "replaces": None,
    "signatories": [
        {"institution": "HAINANU", "name": "李静", "title": "研究生院院长",
         "approved_at": "2026-11-28T02:30:00+00:00"},
        {"institution": "UCA", "name": "Claire Dubois", "title": "Directrice de la scolarité",
         "approved_at": "2026-11-28T08:05:41.512000+00:00"},
    ],
    "issued_at": "2026-11-28T08:05:42.031517+00:00",
}


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    return KeyRing.ensure(tmp_path / "keys", now=T1)


@pytest.fixture
def unsigned() -> dict[str, Any]:
    return credential(RECORD, base_url=BASE_URL, issuer_name=ISSUER_NAME)


@pytest.fixture
def signed(unsigned: dict[str, Any], ring: KeyRing) -> dict[str, Any]:
    return sign_credential(unsigned, ring, created=CREATED)


def published(ring: KeyRing) -> dict[str, Any]:
    """The key document as a verifier downloads it."""
    return json.loads(json.dumps(ring.public_keys()))


# --- the JSON Schema ------------------------------------------------------------------------

@pytest.fixture
def validator() -> Any:
    if not SCHEMA_FILE.is_file():
        skip_or_fail(f"the OB 3.0 schema is not beside the checkout ({SCHEMA_FILE})")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    assert cls is Draft201909Validator  # its $schema says draft 2019-09
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(validator: Any, document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(document)]


def test_unsigned_and_signed_credentials_are_schema_valid(
        validator: Any, unsigned: dict[str, Any], signed: dict[str, Any]) -> None:
    assert errors(validator, unsigned) == []
    assert errors(validator, json.loads(json.dumps(signed, ensure_ascii=False))) == []


def test_the_validator_is_not_vacuous(validator: Any, signed: dict[str, Any]) -> None:
    # The choices the schema forced: proof as an array, IdentityObject without extra members,
    # date-times with a zone, identity types from the list or ext:.
    single_proof = {**signed, "proof": signed["proof"][0]}
    assert errors(validator, single_proof)
    extra = copy.deepcopy(signed)
    extra["credentialSubject"]["identifier"][0]["institution"] = "UCA"
    assert errors(validator, extra)
    naive = {**signed, "validFrom": "2026-11-28T08:05:42"}
    assert errors(validator, naive)
    odd_type = copy.deepcopy(signed)
    odd_type["credentialSubject"]["identifier"][0]["identityType"] = "studentNumber"
    assert errors(validator, odd_type)


# --- what the credential says ---------------------------------------------------------------

def test_identifiers_tie_issuer_keys_and_record(unsigned: dict[str, Any],
                                                signed: dict[str, Any], ring: KeyRing) -> None:
    assert unsigned["@context"] == list(CONTEXTS)
    assert unsigned["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert unsigned["issuer"]["id"] == BASE_URL
    assert unsigned["id"].startswith("urn:uuid:")
    again = credential(RECORD, base_url=BASE_URL + "/", issuer_name=ISSUER_NAME)
    assert again == unsigned  # deterministic, trailing slash or not
    other = credential({**RECORD, "serial": "NICE-HAIKOU-2026-000043"}, base_url=BASE_URL,
                       issuer_name=ISSUER_NAME)
    assert other["id"] != unsigned["id"]
    assert other["credentialSubject"]["achievement"]["id"] == \
        unsigned["credentialSubject"]["achievement"]["id"]  # one achievement per double degree
    proof = signed["proof"][0]
    assert proof["verificationMethod"] == f"{BASE_URL}{KEYS_PATH}#{ring.current.kid}"
    assert proof["created"] == "2026-12-01T09:00:00Z"
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof", "eddsa-jcs-2022", "assertionMethod")
    assert unsigned["validFrom"] == "2026-11-28T08:05:42.031517Z"


def test_names_results_and_both_degrees(unsigned: dict[str, Any]) -> None:
    assert unsigned["name"] == ("Nice–Haikou double master's degree in computer science — "
                                "NICE-HAIKOU-2026-000042")
    subject = unsigned["credentialSubject"]
    identities = {(i["identityType"], i["identityHash"]) for i in subject["identifier"]}
    assert identities == {("name", "Zoë Martin"), ("name", "张喆"),
                          ("ext:dateOfBirth", "2002-05-14"),
                          ("ext:studentNumber.UCA", "21904521"),
                          ("ext:studentNumber.HAINANU", "20220817042")}
    assert all(i["hashed"] is False for i in subject["identifier"])
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "MasterDegree"
    assert {(e["identifierType"], e["identifier"]) for e in achievement["otherIdentifier"]} == {
        ("ext:programme.UCA", "M-INFO"), ("ext:programme.HAINANU", "MS-CST")}
    described = {d["id"]: d for d in achievement["resultDescription"]}
    by_description = {r["resultDescription"]: r for r in subject["result"]}
    assert set(by_description) <= set(described)

    def result(kind: str, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
        key = f"{achievement['id']}#{kind}-{code}"
        return described[key], by_description[key]

    fr_grade, fr_result = result("grade", "UCA")
    assert (fr_grade["resultType"], fr_grade["valueMin"], fr_grade["valueMax"]) == (
        "GradePointAverage", "0", "20")
    assert fr_result["value"] == "14.25"
    cn_grade, cn_result = result("grade", "HAINANU")
    assert (cn_grade["valueMax"], cn_result["value"]) == ("100", "86")
    honours, achieved = result("honours", "UCA")
    levels = {level["id"]: level["name"] for level in honours["rubricCriterionLevel"]}
    assert list(levels.values()) == ["Très bien", "Bien", "Assez bien", "Passable"]
    assert levels[achieved["achievedLevel"]] == "Bien"
    assert achieved["value"] == "bien"
    assert f"{achievement['id']}#honours-HAINANU" not in described  # none on the Chinese side
    ects, ects_result = result("credits", "UCA")
    cn_credits, cn_credits_result = result("credits", "HAINANU")
    assert (ects["resultType"], ects_result["value"]) == ("ext:credits.ects", "120")
    assert (cn_credits["resultType"], cn_credits_result["value"]) == ("ext:credits.cn", "34.5")
    assert "creditsEarned" not in subject  # two systems, no unit: see the module docstring
    french, chinese = unsigned["evidence"]
    assert "Master mention Informatique" in french["narrative"]
    assert "diplôme national de master" in french["narrative"]
    assert "Claire Dubois, Directrice de la scolarité" in french["narrative"]
    assert "李静" not in french["narrative"]
    assert "计算机科学与技术（学术型硕士）" in chinese["narrative"]
    assert "毕业证书, 学位证书" in chinese["narrative"]
    assert "hainanu.edu.cn" in chinese["narrative"]
    assert "conferred on 2026-11-27" in unsigned["description"]


@pytest.mark.parametrize("honours", ["très bien", "bien", "assez bien", "passable"])
def test_every_french_honours_is_a_rubric_level(honours: str) -> None:
    record = copy.deepcopy(RECORD)
    record["degrees"][0]["honours"] = honours
    subject = credential(record, base_url=BASE_URL, issuer_name=ISSUER_NAME)[
        "credentialSubject"]
    (achieved,) = [r for r in subject["result"] if "achievedLevel" in r]
    (honours_description,) = [d for d in subject["achievement"]["resultDescription"]
                              if d["resultType"] == "RubricCriterionLevel"]
    names = {level["id"]: level["name"] for level in honours_description[
        "rubricCriterionLevel"]}
    assert names[achieved["achievedLevel"]].casefold() == honours


def test_replacement_is_stated() -> None:
    document = credential({**RECORD, "replaces": "NICE-HAIKOU-2026-000017"}, base_url=BASE_URL,
                          issuer_name=ISSUER_NAME)
    assert "replaces record NICE-HAIKOU-2026-000017" in document["description"]


def test_no_json_numbers_anywhere(signed: dict[str, Any]) -> None:
    # Grades and credits stay exact strings; JCS of a float would need ECMAScript printing.
    def walk(value: object) -> None:
        assert not isinstance(value, float | int) or isinstance(value, bool), value
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(signed)


def test_refuses_unissued_records_and_bad_base_urls() -> None:
    with pytest.raises(ValueError, match="issued"):
        credential({**RECORD, "issued_at": None}, base_url=BASE_URL, issuer_name=ISSUER_NAME)
    with pytest.raises(ValueError, match="base_url"):
        credential(RECORD, base_url="diplomes.example.org", issuer_name=ISSUER_NAME)


# --- signing and verifying ------------------------------------------------------------------

def test_signed_credential_verifies(signed: dict[str, Any], ring: KeyRing) -> None:
    assert verify_credential(signed, published(ring))


def test_verifies_after_a_round_trip_through_a_file(signed: dict[str, Any], ring: KeyRing,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(signed, ensure_ascii=False, indent=2), encoding="utf-8")
    assert verify_credential(loads_strict(path.read_bytes()), published(ring))


def test_signing_copies_and_refuses_a_second_proof(unsigned: dict[str, Any],
                                                   ring: KeyRing) -> None:
    before = copy.deepcopy(unsigned)
    signed = sign_credential(unsigned, ring, created=CREATED)
    assert unsigned == before and "proof" not in unsigned
    with pytest.raises(ValueError, match="already has a proof"):
        sign_credential(signed, ring)
    with pytest.raises(ValueError, match="aware"):
        sign_credential(unsigned, ring, created=datetime(2026, 12, 1, 9, 0))


def _set(path: tuple[Any, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


def _grade(value: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for result in document["credentialSubject"]["result"]:
            if result["resultDescription"].endswith("#grade-UCA"):
                result["value"] = value
    return change


TAMPERING: dict[str, Callable[[dict[str, Any]], None]] = {
    "the French grade": _grade("15.25"),
    "a trailing zero on the grade": _grade("14.250"),
    "the Han name": _set(("credentialSubject", "identifier", 1, "identityHash"), "张哲"),
    "the issuer's name": _set(("issuer", "name"), "Another registry"),
    "validFrom": _set(("validFrom",), "2027-11-28T08:05:42.031517Z"),
    "the achievement type": _set(("credentialSubject", "achievement", "achievementType"),
                                 "DoctoralDegree"),
    "an added member": _set(("credentialSubject", "creditsEarned"), 240),
    "a removed member": lambda document: document["evidence"].pop(),
    "result order": lambda document: document["credentialSubject"]["result"].reverse(),
    "an appended context": lambda document: document["@context"].append(
        "https://example.org/terms.json"),
    "the proof time": _set(("proof", 0, "created"), "2026-12-02T09:00:00Z"),
    "the proof purpose": _set(("proof", 0, "proofPurpose"), "authentication"),
    "the proof's context": _set(("proof", 0, "@context"), [CONTEXTS[0]]),
    "the signature": lambda document: document["proof"][0].update(
        proofValue="z" + b58encode(bytes(64))),
}


@pytest.mark.parametrize("change", TAMPERING.values(), ids=TAMPERING.keys())
def test_any_change_breaks_verification(signed: dict[str, Any], ring: KeyRing,
                                        change: Callable[[dict[str, Any]], None]) -> None:
    tampered = copy.deepcopy(signed)
    change(tampered)
    assert tampered != signed
    assert not verify_credential(tampered, published(ring))


def test_a_different_key_fails(signed: dict[str, Any], unsigned: dict[str, Any],
                               tmp_path: Path) -> None:
    theirs = KeyRing.ensure(tmp_path / "theirs", now=T1)
    assert not verify_credential(signed, published(theirs))  # their ring lacks our kid
    forged = sign_credential(unsigned, theirs, created=CREATED)
    assert verify_credential(forged, published(theirs))
    ours = KeyRing.ensure(tmp_path / "ours", now=T1)
    # Our kid published with their key: the signature does not match it.
    impostor = {"keys": [{**published(theirs)["keys"][0], "kid": ours.current.kid}]}
    signed_by_ours = sign_credential(unsigned, ours, created=CREATED)
    assert not verify_credential(signed_by_ours, impostor)


def test_rotated_keys_still_verify_old_credentials(unsigned: dict[str, Any],
                                                   tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    old = sign_credential(unsigned, KeyRing.ensure(folder, now=T1), created=CREATED)
    ring = KeyRing.rotate(folder, now=datetime(2027, 6, 1, tzinfo=UTC))
    new = sign_credential(unsigned, ring, created=CREATED)
    assert old["proof"][0]["proofValue"] != new["proof"][0]["proofValue"]
    assert verify_credential(old, published(ring))
    assert verify_credential(new, published(ring))


def test_the_key_must_belong_to_the_issuer(unsigned: dict[str, Any], ring: KeyRing) -> None:
    # A valid signature whose verification method lies elsewhere is not the issuer's.
    elsewhere = add_proof(unsigned, ring.current.private_key, created=CREATED,
                          verification_method=f"https://evil.example{KEYS_PATH}"
                                              f"#{ring.current.kid}")
    key = ring.current.private_key.public_key()
    assert verify_proof(elsewhere, key)
    assert not verify_credential(elsewhere, published(ring))


def test_proof_may_be_an_object_but_not_a_set(signed: dict[str, Any], ring: KeyRing) -> None:
    assert verify_credential({**signed, "proof": signed["proof"][0]}, published(ring))
    assert not verify_credential({**signed, "proof": signed["proof"] * 2}, published(ring))
    assert not verify_credential({**signed, "proof": []}, published(ring))


MALFORMED: dict[str, Callable[[dict[str, Any]], None]] = {
    "no proof": lambda document: document.pop("proof"),
    "proof not an object": _set(("proof",), ["z123"]),
    "proofValue without multibase prefix": lambda document: document["proof"][0].update(
        proofValue=document["proof"][0]["proofValue"][1:]),
    "proofValue not base58": _set(("proof", 0, "proofValue"), "z0OIl"),
    "proofValue too long": _set(("proof", 0, "proofValue"), "z" + "2" * 10_000),
    "signature too short": _set(("proof", 0, "proofValue"), "z" + b58encode(bytes(63))),
    "another cryptosuite": _set(("proof", 0, "cryptosuite"), "eddsa-rdfc-2022"),
    "another proof type": _set(("proof", 0, "type"), "Ed25519Signature2020"),
    "created not a time": _set(("proof", 0, "created"), "yesterday"),
    "verificationMethod without kid": _set(("proof", 0, "verificationMethod"),
                                           f"{BASE_URL}{KEYS_PATH}"),
    "verificationMethod not a string": _set(("proof", 0, "verificationMethod"), 7),
    "issuer without id": _set(("issuer",), {"type": ["Profile"]}),
    "a float in the document": _set(("credentialSubject", "creditsEarned"), 120.5),
}


@pytest.mark.parametrize("damage", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_credentials_are_false_not_errors(
        signed: dict[str, Any], ring: KeyRing, damage: Callable[[dict[str, Any]], None]) -> None:
    document = copy.deepcopy(signed)
    damage(document)
    assert verify_credential(document, published(ring)) is False


def test_non_mappings_are_false_not_errors(signed: dict[str, Any], ring: KeyRing) -> None:
    assert verify_credential([signed], published(ring)) is False  # type: ignore[arg-type]
    assert verify_credential(signed, [published(ring)]) is False  # type: ignore[arg-type]
    assert verify_proof("{}", ring.current.private_key.public_key()) is False  # type: ignore


def test_an_appended_context_passes_the_cryptosuite_but_not_our_policy(
        signed: dict[str, Any], ring: KeyRing) -> None:
    # vc-di-eddsa lets contexts be appended after signing (the proof's @context must only begin
    # the document's); a diploma has no reason to, and a new context could give meaning to terms.
    appended = copy.deepcopy(signed)
    appended["@context"].append("https://example.org/terms.json")
    assert verify_proof(appended, ring.current.private_key.public_key())
    assert not verify_credential(appended, published(ring))


def test_malformed_key_documents_are_false(signed: dict[str, Any], ring: KeyRing) -> None:
    jwk = published(ring)["keys"][0]
    for keys in [{}, [], {"keys": "all"}, {"keys": [jwk, dict(jwk)]},
                 {"keys": [{**jwk, "crv": "X25519"}]}, {"keys": [{**jwk, "use": "enc"}]},
                 {"keys": [{**jwk, "x": jwk["x"][:-2]}]}, {"keys": ["junk", jwk]}]:
        expected = keys == {"keys": ["junk", jwk]}  # junk beside the real key is skipped
        assert verify_credential(signed, keys) is expected, keys  # type: ignore[arg-type]


# --- eddsa-jcs-2022, recomputed independently -----------------------------------------------

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def independent_b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def independent_jcs(value: object) -> bytes:
    # Good enough for documents with ASCII keys, no numbers and no control characters, which
    # is what the export holds; checked against signing.canonical below.
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def test_cross_check_eddsa_jcs_2022_by_hand(signed: dict[str, Any], ring: KeyRing) -> None:
    document = json.loads(json.dumps(signed, ensure_ascii=False))
    (proof,) = document.pop("proof")
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config["@context"] = document["@context"]
    assert independent_jcs(document) == canonical(document)
    assert independent_jcs(config) == canonical(config)
    proof_config_hash = hashlib.sha256(independent_jcs(config)).digest()
    document_hash = hashlib.sha256(independent_jcs(document)).digest()
    jwk = next(k for k in published(ring)["keys"]
               if k["kid"] == proof["verificationMethod"].rsplit("#", 1)[1])
    public_key = Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)))
    assert proof["proofValue"][0] == "z"
    signature = independent_b58decode(proof["proofValue"][1:])
    assert len(signature) == 64
    public_key.verify(signature, proof_config_hash + document_hash)  # raises if wrong
    with pytest.raises(InvalidSignature):  # the order matters: proof configuration first
        public_key.verify(signature, document_hash + proof_config_hash)
    with pytest.raises(InvalidSignature):  # and the hashes are signed, not the JSON itself
        public_key.verify(signature, independent_jcs(config) + independent_jcs(document))


# W3C "Data Integrity EdDSA Cryptosuites v1.0" test vector (github.com/w3c/vc-di-eddsa,
# TestVectors/eddsa-jcs-2022/signedJCS.json and TestVectors/keyPair.json; W3C Software and
# Document License). The keys are multikeys: 0xed01 + public key, 0x8026 + private seed.
W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_CONTEXT = ["https://www.w3.org/ns/credentials/v2",
               "https://www.w3.org/ns/credentials/examples/v2"]
W3C_UNSIGNED: dict[str, Any] = {
    "@context": W3C_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_PROOF: dict[str, Any] = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": f"https://vc.example/issuers/5678#{W3C_PUBLIC}",
    "proofPurpose": "assertionMethod",
    "@context": W3C_CONTEXT,
    "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9"
                  "LsVogtuTsijJKh4",
}


def w3c_keys() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    public, private = b58decode(W3C_PUBLIC[1:]), b58decode(W3C_PRIVATE[1:])
    assert (public[:2], private[:2]) == (b"\xed\x01", b"\x80\x26")
    return (Ed25519PrivateKey.from_private_bytes(private[2:]),
            Ed25519PublicKey.from_public_bytes(public[2:]))


def test_w3c_vector_verifies() -> None:
    _, public = w3c_keys()
    assert verify_proof({**W3C_UNSIGNED, "proof": W3C_PROOF}, public)
    assert verify_proof({**W3C_UNSIGNED, "proof": [W3C_PROOF]}, public)
    assert not verify_proof({**W3C_UNSIGNED, "name": "Alumni Credential!",
                             "proof": W3C_PROOF}, public)


def test_w3c_vector_is_reproduced_by_signing() -> None:
    private, _ = w3c_keys()  # Ed25519 is deterministic: same input, same signature
    signed = add_proof(W3C_UNSIGNED, private, verification_method=W3C_PROOF["verificationMethod"],
                       created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC))
    assert signed["proof"] == [W3C_PROOF]


# --- base58btc ------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "text"), [
    (b"", ""),
    (b"\x00", "1"),
    (b"\x00\x00\x01", "112"),
    (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
    (b"The quick brown fox jumps over the lazy dog.",
     "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"),
    (bytes.fromhex("0000287fb4cd"), "11233QC4"),
])
def test_base58btc_known_vectors(raw: bytes, text: str) -> None:
    assert b58encode(raw) == text
    assert b58decode(text) == raw


@given(st.binary(max_size=80))
def test_base58btc_round_trips(raw: bytes) -> None:
    assert b58decode(b58encode(raw)) == raw
    assert independent_b58decode(b58encode(raw)) == raw


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "2NEpo7TZRRrLZSi2U ", "é", "+"])
def test_base58btc_refuses_characters_outside_the_alphabet(text: str) -> None:
    with pytest.raises(ValueError, match="base58btc"):
        b58decode(text)
