"""The audit log's hash chain: how an entry is hashed, and how a whole log is checked.

Every entry stores ``hash`` = SHA-256 of a canonical serialisation of its own content *and* of
``prev_hash``, the hash of the entry before it (the first entry chains from :data:`GENESIS`).
Editing a row behind the service's back then no longer matches its own hash; deleting one leaves
the next entry pointing at a hash nobody has; moving entries leaves them pointing at a hash that
exists, but elsewhere. Only the tail can vanish without a trace, so ``log verify`` prints the
newest hash: written down elsewhere (a ticket, a signed e-mail), it pins the tail too.

Pure code: no Flask, no session. Writing the chain (locks, ids) is the model's flush hook's job;
reading rows for :func:`verify` is :func:`jointdegree.audit.services.verify_log`'s.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

# The chain's anchor: the "previous hash" of the very first entry. Fixed and public on purpose;
# it says only "nothing came before", the hashes after it carry the evidence.
GENESIS = "0" * 64

# The fields hashed, in the order a reader finds them in the canonical JSON (keys are sorted
# anyway; this tuple is the contract a re-implementation must follow).
HASHED_FIELDS = ("id", "at", "actor_id", "channel", "action", "entity_type", "entity_id",
                 "institution_id", "before", "after", "prev_hash")


class ChainedEntry(Protocol):
    """What the chain reads of an entry: an ORM :class:`AuditLogEntry` or a plain row."""

    id: int
    at: datetime
    actor_id: int | None
    channel: str
    action: str
    entity_type: str
    entity_id: str
    institution_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class StoredEntry(ChainedEntry, Protocol):
    prev_hash: str
    hash: str


def canonical_at(at: datetime) -> str:
    """UTC, microseconds always written: both databases give back the same instant, and a
    whole second must not serialise differently from one with a fraction."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r} in the audit log")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _as_stored(value: dict[str, Any] | None) -> Any:
    """The JSON value as the database will give it back (tuples as lists, keys as strings), so
    that hashing before the insert and after a read agree."""
    return None if value is None else json.loads(json.dumps(value))


def canonical(entry: ChainedEntry, prev_hash: str) -> bytes:
    """The bytes hashed: JSON, sorted keys, no whitespace, UTF-8 text kept as is."""
    content = {
        "id": entry.id,
        "at": canonical_at(entry.at),
        "actor_id": entry.actor_id,
        "channel": entry.channel,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "institution_id": entry.institution_id,
        "before": _as_stored(entry.before),
        "after": _as_stored(entry.after),
        "prev_hash": prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def entry_hash(entry: ChainedEntry, prev_hash: str) -> str:
    """SHA-256 (hex) of the entry's content chained to ``prev_hash``."""
    return hashlib.sha256(canonical(entry, prev_hash)).hexdigest()


Kind = Literal["edited", "deleted", "reordered"]


@dataclass(frozen=True)
class Break:
    """One way one entry fails the chain."""

    entry_id: int
    kind: Kind
    detail: str

    def __str__(self) -> str:
        return f"entry {self.entry_id}: {self.kind} ({self.detail})"


@dataclass
class Report:
    """The outcome of :func:`verify`: ``breaks`` is empty when the log is intact."""

    entries: int = 0
    last_hash: str = GENESIS
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


@dataclass(frozen=True)
class _Unlinked:
    entry_id: int
    prev_hash: str
    expected: str
    previous_id: int | None


def verify(entries: Iterable[StoredEntry],
           locate: Callable[[Collection[str]], Mapping[str, int]]) -> Report:
    """Walk ``entries`` in id order and report every break.

    - *edited*: the stored hash is not the hash of the row's content (and its ``prev_hash``);
    - *deleted*: ``prev_hash`` is not the previous entry's hash and no entry has that hash (the
      one it chained from is gone — or was rewritten together with its hash);
    - *reordered*: ``prev_hash`` is not the previous entry's hash but some other entry's (ids
      changed, or rows moved).

    One pass keeps only the current link in memory; ``locate`` (hashes → ids of the entries that
    carry them) is asked once, for the few broken links, to tell *deleted* from *reordered*.
    """
    report = Report()
    unlinked: list[_Unlinked] = []
    previous_id: int | None = None
    for entry in entries:
        report.entries += 1
        if entry.prev_hash != report.last_hash:
            unlinked.append(_Unlinked(entry.id, entry.prev_hash, report.last_hash, previous_id))
        if entry_hash(entry, entry.prev_hash) != entry.hash:
            report.breaks.append(Break(entry.id, "edited",
                                       "its content does not match its hash"))
        report.last_hash = entry.hash
        previous_id = entry.id
    if unlinked:
        found = locate({link.prev_hash for link in unlinked})
        for link in unlinked:
            report.breaks.append(_link_break(link, found.get(link.prev_hash)))
        report.breaks.sort(key=lambda b: (b.entry_id, b.kind))
    return report


def _link_break(link: _Unlinked, holder: int | None) -> Break:
    after = (f"entry {link.previous_id}" if link.previous_id is not None
             else "the start of the log")
    if holder is not None:
        return Break(link.entry_id, "reordered",
                     f"it chains from entry {holder}, not from {after}")
    if link.prev_hash == GENESIS:
        return Break(link.entry_id, "reordered",
                     f"it claims to be the first entry but comes after {after}")
    if link.previous_id is None:
        return Break(link.entry_id, "deleted",
                     "prev_hash matches no entry: the entries before it are gone")
    return Break(link.entry_id, "deleted",
                 f"prev_hash matches no entry: an entry after entry {link.previous_id} is gone, "
                 f"or entry {link.previous_id} was rewritten with a new hash")
