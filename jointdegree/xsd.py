"""XML the exports write and the official XSDs that check it, in one place for every export.

* :data:`NOT_XML` / :func:`xml_text`: the characters XML 1.0 cannot carry at all, removed from
  any text before it is written (lxml refuses them rather than escaping them).
* :func:`validate`: offline validation against an upstream XSD (EWP, EMREX/ELMO …) whose imports
  point at absolute URLs. An OASIS XML catalog maps those URLs to local copies; it is read here
  and applied through an lxml resolver, with the network disabled, so validation never goes
  online. Only the tests validate: the running app needs no XSD.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

# Characters XML 1.0 cannot carry at all (C0 controls other than tab/LF/CR, surrogates, …).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry, stripped."""
    return NOT_XML.sub("", text).strip()


def validate(xml: bytes, schema: Path, catalog: Path) -> list[str]:
    """Validate ``xml`` against the XSD file ``schema``; the errors (``line N: message``) or ``[]``.

    ``catalog`` is the OASIS XML catalog mapping the ``schemaLocation`` URLs of the schema's
    imports to local copies. The compiled schema is cached per (schema, catalog) pair: compiling
    EWP or ELMO schemas takes far longer than validating a document.
    """
    compiled = _schema(schema.resolve(), catalog.resolve())
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    if compiled.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in compiled.error_log]


class CatalogResolver(etree.Resolver):
    """Resolves URLs by the catalog's ``uri``/``system`` and ``rewriteURI``/``rewriteSystem``."""

    def __init__(self, catalog: Path) -> None:
        super().__init__()
        self.exact: dict[str, Path] = {}
        self.prefixes: list[tuple[str, Path]] = []
        base = catalog.parent
        tree = etree.parse(str(catalog), etree.XMLParser(no_network=True,
                                                         resolve_entities=False))
        for entry in tree.getroot().iter("{*}uri", "{*}system",
                                         "{*}rewriteURI", "{*}rewriteSystem"):
            local = etree.QName(entry).localname
            if local in ("uri", "system"):
                url = entry.get("name") or entry.get("systemId") or ""
                self.exact[url] = base / (entry.get("uri") or "")
            else:
                start = entry.get("uriStartString") or entry.get("systemIdStartString") or ""
                self.prefixes.append((start, base / (entry.get("rewritePrefix") or "")))
        self.prefixes.sort(key=lambda item: len(item[0]), reverse=True)  # longest match wins

    def local_path(self, url: str) -> Path | None:
        if url in self.exact:
            return self.exact[url]
        for start, target in self.prefixes:
            if start and url.startswith(start):
                return Path(str(target) + "/" + url[len(start):].lstrip("/"))
        return None

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        path = self.local_path(system_url)
        if path is None:
            return None  # local files resolve normally; anything remote fails (no network)
        return self.resolve_filename(str(path), context)


@lru_cache(maxsize=8)
def _schema(schema: Path, catalog: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(CatalogResolver(catalog))
    return etree.XMLSchema(etree.parse(str(schema), parser))
