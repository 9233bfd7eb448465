"""An issued combined-diploma record as an Open Badges 3.0 credential, secured with eddsa-jcs-2022.

Wallets, learner profiles and other universities read W3C Verifiable Credentials 2.0 / 1EdTech
Open Badges 3.0, not our own signed record (:mod:`jointdegree.diplomas.signing`). This module
restates an issued record as an ``OpenBadgeCredential`` and signs it with the same key ring, so
the one published key document (``/.well-known/jointdegree-keys.json``) vouches for both forms.
Pure: no Flask, no database; stdlib, ``cryptography`` and the pure grade tables only.

Identifiers — one rule, so a verifier can check them against each other
    ``issuer.id`` is ``base_url``, the service's origin: the party that publishes the keys.
    ``proof.verificationMethod`` is ``{base_url}/.well-known/jointdegree-keys.json#{kid}``, the
    published JWK of that ``kid``, so :func:`verify_credential` accepts a proof only when its
    key lies under the issuer's own id. Not ``did:web``: that needs a DID document at
    ``/.well-known/did.json`` which the service does not publish; the JWKS is already where
    verifiers fetch our keys. The credential ``id`` is a ``urn:uuid`` (UUIDv5 of
    ``{base_url}/diplomas/{serial}``): the same record always exports under the same id, and
    the id does not pretend an address serves this credential (that one serves the native
    record, behind login). The achievement id is the UUIDv5 of the double degree's code, shared
    by every graduate of it.

What the OB 3.0 JSON Schema (``ob_v3p0_achievementcredential_schema.json``) decided
    - ``proof`` must be an array (VC 2.0 also allows one object): one-element array here;
      verification accepts either.
    - ``creditsEarned``/``creditsAvailable`` are single unitless JSON numbers: omitted. The
      record holds two credit systems (ECTS and 学分) as exact decimal strings; one bare number
      would misstate one of them, and a non-integer would need RFC 8785's float printing, which
      :func:`signing.canonical` rightly refuses. Each degree's credits are a ``Result`` (its
      ``value`` is a string) whose ``ResultDescription`` names the system.
    - Overall grades are ``Result``\\ s of a ``GradePointAverage`` description with
      ``valueMin``/``valueMax`` from the scale; French honours (mention) are a
      ``RubricCriterionLevel`` result whose ``achievedLevel`` points at the level's id.
    - ``IdentityObject`` admits no extra members: the holder is identified by unhashed name
      (Latin and Han), birth date (``ext:dateOfBirth``) and student numbers
      (``ext:studentNumber.<institution>``), the ``ext:`` form the schema allows.
      Nationality is left out: it identifies no one.
    - ``awardedDate`` is a date-time and the conferral date is a date: it is stated in the
      ``description`` rather than given an invented time of day.
    - ``credentialStatus`` is omitted: a valid one needs a status list the service does not
      publish. Revocation shows on the public verify page and the native record.
    - Both national degrees go where OB 3.0 has room: the results above, the programme codes
      as ``achievement.otherIdentifier`` and one ``evidence`` entry per degree (programme,
      institution and HEI ID, credits, grade, national documents, the approving signatory).

eddsa-jcs-2022 (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.3)
    ``proofConfig`` is the proof without ``proofValue``, its ``@context`` set to the document's;
    ``hashData = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document without proof))`` — proof
    configuration first; ``proofValue = "z" + base58btc(Ed25519(hashData))``. JCS is
    :func:`signing.canonical`: this export holds no non-integer number, and a document that does
    fails verification rather than be canonicalised by guesswork. The proof also carries the
    ``@context`` (as the W3C test vectors do), which verification requires to begin the
    document's own ``@context``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from jointdegree.decimals import plain
from jointdegree.diplomas import signing
from jointdegree.matching.grades import SHIPPED

__all__ = [
    "CONTEXTS",
    "CREDENTIAL_SCHEMA",
    "CRYPTOSUITE",
    "KEYS_PATH",
    "LANGUAGES",
    "add_proof",
    "b58decode",
    "b58encode",
    "credential",
    "sign_credential",
    "verify_credential",
    "verify_proof",
]

CONTEXTS = ("https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")
CREDENTIAL_SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                     "ob_v3p0_achievementcredential_schema.json")
KEYS_PATH = "/.well-known/jointdegree-keys.json"  # as served by diplomas.views.keys
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"
LANGUAGES = ("en", "fr", "zh")
"""Default order for the one name a field holds; every language stays in ``evidence``."""

_DEGREE_TYPES = {"bachelor": "BachelorDegree", "master": "MasterDegree",
                 "doctorate": "DoctoralDegree"}
_CREDIT_SYSTEMS = {"ects": "ECTS credits", "cn": "Chinese credits (学分)"}
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")
_BASE_URL = re.compile(r"https?://[^/?#\s]+(/[^?#\s]*)?")


# --- base58btc ------------------------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: index for index, char in enumerate(_B58)}


def b58encode(raw: bytes) -> str:
    """Base58 with the Bitcoin alphabet (multibase ``z`` without its prefix); zero bytes lead as
    ``1``\\ s, so the encoding is one-to-one."""
    zeros = len(raw) - len(raw.lstrip(b"\0"))
    number = int.from_bytes(raw, "big")
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(_B58[digit])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; ``ValueError`` on a character outside the alphabet (0, O,
    I, l and anything non-ASCII)."""
    if not isinstance(text, str):
        raise ValueError("base58btc text must be a string")
    number = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            raise ValueError(f"{char!r} is not a base58btc digit")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


# --- the credential -------------------------------------------------------------------------


def credential(record: Mapping[str, Any], *, base_url: str, issuer_name: Mapping[str, str],
               languages: Sequence[str] = LANGUAGES) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` stating an issued record (``content_of`` + ``_issue``).

    ``issuer_name`` is the service's name by language; ``languages`` orders the choice of the
    single name a field holds (fixed sentences are English). Only strings, booleans, lists and
    objects appear, numbers as the record writes them, so :func:`signing.canonical` signs it.
    Raises ``ValueError`` for a record that was never issued or a ``base_url`` that is not an
    absolute http(s) address.
    """
    base = base_url.rstrip("/")
    if not _BASE_URL.fullmatch(base):
        raise ValueError(f"base_url must be an absolute http(s) URL, not {base_url!r}")
    if not record.get("issued_at"):
        raise ValueError("only an issued record (with issued_at) can be exported")
    serial = record["serial"]
    double = record["double_degree"]
    degrees = record["degrees"]
    student = record["student"]
    achievement_id = _urn(f"{base}/double-degrees/{double['code']}")
    title = _pick(double["names"], languages, double["code"])
    parts = [f"{_programme(d, languages)} ({_institution(d, languages)})" for d in degrees]
    holder = f"{student['given_names']} {student['family_name']}"

    descriptions: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for degree in degrees:
        described, achieved = _results(degree, achievement_id, languages)
        descriptions += described
        results += achieved

    description = (f"{holder} was awarded the double degree {title}: {' and '.join(parts)}, "
                   f"conferred on {record['conferred_on']}. Record {serial}.")
    if record.get("replaces"):
        description += f" It replaces record {record['replaces']}, which was revoked."
    # Both degrees at one level name it (two masters: MasterDegree); mixed levels, just Degree.
    levels = {degree["programme"]["level"] for degree in degrees}
    achievement_type = "Degree"
    if len(levels) == 1:
        achievement_type = _DEGREE_TYPES.get(levels.pop(), "Degree")
    return {
        "@context": list(CONTEXTS),
        "id": _urn(f"{base}/diplomas/{serial}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{title} — {serial}",
        "description": description,
        "issuer": {"id": base, "type": ["Profile"],
                   "name": _pick(issuer_name, languages, base), "url": base},
        "validFrom": _utc_text(record["issued_at"]),
        "credentialSchema": [{"id": CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": _identifiers(student),
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": achievement_type,
                "name": title,
                "description": f"Double degree: the graduate holds both {' and '.join(parts)}.",
                "criteria": {"narrative": (
                    "Meet the requirements of both degrees on one shared study path, as checked "
                    "by each institution's degree audit, and be approved by a registrar of each "
                    "institution.")},
                "humanCode": double["code"],
                "otherIdentifier": [
                    {"type": "IdentifierEntry", "identifier": degree["programme"]["code"],
                     "identifierType": f"ext:programme.{_token(degree['institution']['code'])}"}
                    for degree in degrees],
                "resultDescription": descriptions,
            },
            "result": results,
        },
        "evidence": [_evidence(degree, record.get("signatories") or [], languages)
                     for degree in degrees],
    }


def _results(degree: Mapping[str, Any], achievement_id: str,
             languages: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One degree's ResultDescriptions (on the achievement) and Results (on the subject)."""
    code = _token(degree["institution"]["code"])
    where = f"{_programme(degree, languages)}, {_institution(degree, languages)}"
    credits = degree["credits"]
    system = credits["system"]
    credits_id = f"{achievement_id}#credits-{code}"
    described: list[dict[str, Any]] = [{
        "id": credits_id, "type": ["ResultDescription"],
        "name": f"{_CREDIT_SYSTEMS.get(system, f'{system} credits')} earned — {where}",
        "resultType": f"ext:credits.{_token(system)}", "valueMin": "0"}]
    achieved: list[dict[str, Any]] = [{"type": ["Result"], "resultDescription": credits_id,
                                       "value": credits["value"]}]
    grade = degree.get("overall_grade")
    if grade:
        scale = SHIPPED.get(grade["scale"])
        grade_id = f"{achievement_id}#grade-{code}"
        scale_name = _pick(scale.names, languages, scale.code) if scale else grade["scale"]
        entry: dict[str, Any] = {"id": grade_id, "type": ["ResultDescription"],
                                 "name": f"Overall average ({scale_name}) — {where}",
                                 "resultType": "GradePointAverage"}
        if scale is not None and scale.minimum is not None and scale.maximum is not None:
            entry.update(valueMin=plain(scale.minimum), valueMax=plain(scale.maximum))
        described.append(entry)
        achieved.append({"type": ["Result"], "resultDescription": grade_id,
                         "value": grade["value"]})
    if degree.get("honours"):
        honours_id = f"{achievement_id}#honours-{code}"
        levels, level_id = _honours_levels(degree["honours"], grade, honours_id)
        described.append({"id": honours_id, "type": ["ResultDescription"],
                          "name": f"Honours (mention) — {where}",
                          "resultType": "RubricCriterionLevel", "rubricCriterionLevel": levels})
        achieved.append({"type": ["Result"], "resultDescription": honours_id,
                         "achievedLevel": level_id, "value": degree["honours"]})
    return described, achieved


def _honours_levels(honours: str, grade: Mapping[str, Any] | None,
                    honours_id: str) -> tuple[list[dict[str, Any]], str]:
    """The passing bands of the grade's scale as rubric levels, and the id of the one achieved.

    The record writes honours as the diploma prints them ("bien"); the scale's bands are the
    same mentions ("Bien"). Honours that match no band of a known scale become a single level,
    so the credential still says what the record says.
    """
    scale = SHIPPED.get(grade["scale"]) if grade else None
    bands = [band for band in (scale.bands if scale else ()) if band.passing]
    levels = []
    achieved = None
    for band in bands:
        level_id = f"{honours_id}-{_token(band.code)}"
        level: dict[str, Any] = {"id": level_id, "type": ["RubricCriterionLevel"],
                                 "name": band.labels.get("fr") or band.code}
        if band.low is not None and band.high is not None:
            gloss = band.labels.get("en")
            level["description"] = (f"{gloss + ': ' if gloss else ''}overall average "
                                    f"{plain(band.low)}–{plain(band.high)}")
        levels.append(level)
        if (band.labels.get("fr") or "").casefold() == honours.casefold():
            achieved = level_id
    if achieved is None:
        achieved = f"{honours_id}-{_token(honours)}"
        levels = [{"id": achieved, "type": ["RubricCriterionLevel"], "name": honours}]
    return levels, achieved


def _identifiers(student: Mapping[str, Any]) -> list[dict[str, Any]]:
    def plain_identity(kind: str, value: str) -> dict[str, Any]:
        return {"type": "IdentityObject", "hashed": False, "identityHash": value,
                "identityType": kind}

    found = [plain_identity("name", f"{student['given_names']} {student['family_name']}")]
    if student.get("name_han"):
        found.append(plain_identity("name", student["name_han"]))
    if student.get("birth_date"):
        found.append(plain_identity("ext:dateOfBirth", student["birth_date"]))
    for institution, number in sorted((student.get("numbers") or {}).items()):
        found.append(plain_identity(f"ext:studentNumber.{_token(institution)}", number))
    return found


def _evidence(degree: Mapping[str, Any], signatories: Sequence[Mapping[str, Any]],
              languages: Sequence[str]) -> dict[str, Any]:
    """One national degree in words: everything the record says of it, every language kept."""
    institution, programme = degree["institution"], degree["programme"]
    lines = [f"- Institution: {_all_names(institution['names'])} "
             f"({institution['code']}, HEI ID {institution.get('hei_id') or 'none'})",
             f"- Programme {programme['code']} ({programme['level']}): "
             f"{_all_names(programme['names'])}",
             f"- Credits: {degree['credits']['value']} "
             f"{_CREDIT_SYSTEMS.get(degree['credits']['system'], degree['credits']['system'])}"]
    if degree.get("overall_grade"):
        grade = degree["overall_grade"]
        lines.append(f"- Overall average: {grade['value']} on {grade['scale']}")
    if degree.get("honours"):
        lines.append(f"- Honours (mention): {degree['honours']}")
    if degree.get("documents"):
        lines.append(f"- National documents: {', '.join(degree['documents'])}")
    lines += [f"- Approved by {s.get('name') or 'a registrar'}, {s['title']}, "
              f"on {_utc_text(s['approved_at'])}"
              for s in signatories if s.get("institution") == institution["code"]]
    return {"type": ["Evidence"],
            "name": f"{_programme(degree, languages)} — {_institution(degree, languages)}",
            "narrative": "\n".join(lines)}


def _programme(degree: Mapping[str, Any], languages: Sequence[str]) -> str:
    return _pick(degree["programme"]["names"], languages, degree["programme"]["code"])


def _institution(degree: Mapping[str, Any], languages: Sequence[str]) -> str:
    return _pick(degree["institution"]["names"], languages, degree["institution"]["code"])


def _pick(names: Mapping[str, str], languages: Sequence[str], fallback: str) -> str:
    for lang in (*languages, *names):
        if names.get(lang):
            return names[lang]
    return fallback


def _all_names(names: Mapping[str, str]) -> str:
    return " / ".join(value for value in dict.fromkeys(names.values()) if value)


def _token(text: str) -> str:
    """A code made safe for the schema's ``ext:`` names and for URI fragments."""
    return _NOT_TOKEN.sub("_", text)


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _utc_text(text: str) -> str:
    """An ISO 8601 time from the record, as RFC 3339 UTC ("…Z"); naive times are refused."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- the proof ------------------------------------------------------------------------------


def sign_credential(unsigned: Mapping[str, Any], ring: signing.KeyRing,
                    created: datetime | None = None) -> dict[str, Any]:
    """``unsigned`` with an eddsa-jcs-2022 proof by the ring's current key.

    The verification method is the key's entry in the issuer's published keys, so the issuer
    id must be the ``base_url`` the credential was built with (see the module docstring).
    """
    issuer = unsigned.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise ValueError("the credential names no issuer id")
    key = ring.current
    return add_proof(unsigned, key.private_key,
                     verification_method=f"{issuer_id}{KEYS_PATH}#{key.kid}", created=created)


def add_proof(document: Mapping[str, Any], private_key: Ed25519PrivateKey, *,
              verification_method: str, created: datetime | None = None) -> dict[str, Any]:
    """Create an eddsa-jcs-2022 ``DataIntegrityProof`` (purpose ``assertionMethod``).

    Returns a plain copy of ``document`` with ``proof`` as a one-element array (the OB 3.0
    schema's form). A document that already has a proof is refused: proof sets and chains
    are not supported, and silently signing over an old proof would be neither.
    """
    if "proof" in document:
        raise ValueError("the document already has a proof")
    unsecured = _plain(document)
    options: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE,
                               "created": _seconds(created),
                               "verificationMethod": verification_method,
                               "proofPurpose": PROOF_PURPOSE}
    if "@context" in unsecured:
        options["@context"] = _plain(unsecured["@context"])
    value = private_key.sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": [{**options, "proofValue": "z" + b58encode(value)}]}


def verify_proof(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> bool:
    """Check the eddsa-jcs-2022 proof of ``document`` under ``public_key``, nothing else.

    The cryptosuite's verification algorithm as written: no policy on purpose, issuer or key
    lookup (that is :func:`verify_credential`). Exactly one proof, as an object or a
    one-element array; anything malformed is ``False``, never an exception.
    """
    try:
        proof = _single_proof(document)
        options = {key: value for key, value in proof.items() if key != "proofValue"}
        if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
            return False
        if "created" in options:
            _utc_text(options["created"])
        value = proof.get("proofValue")
        if not isinstance(value, str) or not value.startswith("z") or len(value) > 100:
            return False  # 64 bytes take at most 88 digits; the length also bounds the work
        signature = b58decode(value[1:])
        if len(signature) != 64:
            return False
        unsecured = {key: item for key, item in document.items() if key != "proof"}
        if "@context" in options:
            context = _as_list(options["@context"])
            if _as_list(unsecured.get("@context"))[:len(context)] != context:
                return False
            unsecured["@context"] = options["@context"]
        hash_data = _hash_data(unsecured, options)
    except (TypeError, ValueError, KeyError, AttributeError):
        return False
    try:
        public_key.verify(signature, hash_data)
    except InvalidSignature:
        return False
    return True


def verify_credential(signed: Mapping[str, Any], public_keys: Mapping[str, Any]) -> bool:
    """Whether ``signed`` is one of our credentials, unchanged, under a published key.

    ``public_keys`` is the issuer's key document as :meth:`signing.KeyRing.public_keys` makes
    it (retired keys included, so credentials signed before a rotation still verify). On top of
    :func:`verify_proof`: purpose ``assertionMethod``; the verification method is
    ``{issuer id}/.well-known/jointdegree-keys.json#{kid}``; the proof's ``@context`` (if any)
    is the document's whole ``@context``, so no context can be appended after signing.
    """
    try:
        proof = _single_proof(signed)
        issuer = signed.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        method = proof.get("verificationMethod")
        if not isinstance(issuer_id, str) or not isinstance(method, str):
            return False
        keys_url, _, kid = method.partition("#")
        if not kid or keys_url != f"{issuer_id}{KEYS_PATH}":
            return False
        if proof.get("proofPurpose") != PROOF_PURPOSE:
            return False
        if "@context" in proof and proof["@context"] != signed.get("@context"):
            return False
        key = _published_key(public_keys, kid)
    except (TypeError, ValueError, AttributeError):
        return False
    return key is not None and verify_proof(signed, key)


def _hash_data(unsecured: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """proofConfigHash || transformedDocumentHash, in that order (vc-di-eddsa §3.3.4)."""
    config = dict(options)
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    proof_config_hash = sha256(signing.canonical(config)).digest()
    transformed_document_hash = sha256(signing.canonical(unsecured)).digest()
    return proof_config_hash + transformed_document_hash


def _single_proof(document: Mapping[str, Any]) -> Mapping[str, Any]:
    proof = document.get("proof") if isinstance(document, Mapping) else None
    if isinstance(proof, list):
        if len(proof) != 1:
            raise ValueError("expected exactly one proof")
        proof = proof[0]
    if not isinstance(proof, Mapping):
        raise ValueError("no proof object")
    return proof


def _published_key(public_keys: Mapping[str, Any], kid: str) -> Ed25519PublicKey | None:
    """The Ed25519 key published under ``kid``; ``None`` when absent, ambiguous or unusable."""
    keys = public_keys.get("keys") if isinstance(public_keys, Mapping) else None
    if not isinstance(keys, list):
        return None
    found = [jwk for jwk in keys if isinstance(jwk, Mapping) and jwk.get("kid") == kid]
    if len(found) != 1:
        return None
    jwk = found[0]
    if (jwk.get("kty"), jwk.get("crv")) != ("OKP", "Ed25519") \
            or jwk.get("use", "sig") != "sig" or jwk.get("alg", signing.ALG) != signing.ALG:
        return None
    try:
        raw = signing.b64url_decode(jwk.get("x"))
        return Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else None
    except ValueError:
        return None


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _plain(value: Any) -> Any:
    """Mappings to dicts and tuples to lists, order kept: the JSON that is signed and returned."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _seconds(created: datetime | None) -> str:
    moment = datetime.now(UTC) if created is None else created
    if moment.tzinfo is None:
        raise ValueError("created must be an aware datetime (time is UTC inside)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
