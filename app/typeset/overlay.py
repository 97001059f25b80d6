"""Stamping an overlay (a watermark, the 密级 marks) over finished PDF pages without reading them.

pypdf's ``merge_page`` parses both content streams (a page's text, the overlay's tiled lines)
to rename clashing resources and re-serialises them, for every page of every copy: most of the
time of a classified print. Here the overlay page becomes a Form XObject once per print, and each
page gets three references instead: its own content wrapped in ``q … Q`` (its graphics state
cannot leak into the overlay, as ``merge_page`` isolates it too), then ``q /Name Do Q``. The
page's content stream is neither parsed nor rewritten; what is drawn, and where, is the same.

Pure: no database, no Qt.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
)

_PREFIX = "/GovDeskStamp"


def form(writer: PdfWriter, overlay_pdf: bytes) -> IndirectObject:
    """The first page of ``overlay_pdf`` as a Form XObject of ``writer`` (its fonts copied in)."""
    page = PdfReader(io.BytesIO(overlay_pdf)).pages[0]
    content = page.get_contents()
    xobject = DecodedStreamObject()
    xobject.set_data(content.get_data() if content is not None else b"")
    box = page.mediabox
    xobject.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in
                                         (box.left, box.bottom, box.right, box.top)),
        NameObject("/Resources"): _dict(page["/Resources"]).clone(writer),
    })
    # compressed (drawn once, referenced from every page); a new indirect object of the writer:
    # pypdf has no public call for it
    return writer._add_object(xobject.flate_encode())


def _dict(obj: object) -> DictionaryObject:
    resolved = obj.get_object() if isinstance(obj, IndirectObject) else obj
    if not isinstance(resolved, DictionaryObject):
        raise ValueError(f"PDF: expected a dictionary, found {type(resolved).__name__}")
    return resolved


def _resources(page: DictionaryObject) -> DictionaryObject:
    """The page's own resource dictionary (an inherited one copied onto the page first)."""
    node: DictionaryObject | None = page
    while node is not None and "/Resources" not in node:
        parent = node.get("/Parent")
        node = _dict(parent) if parent is not None else None
    if node is page:
        return _dict(page["/Resources"])
    found = DictionaryObject(_dict(node["/Resources"])) if node is not None else DictionaryObject()
    page[NameObject("/Resources")] = found
    return found


def _stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def stamp(writer: PdfWriter, page: DictionaryObject, overlay: IndirectObject, key: int) -> None:
    """Draw ``overlay`` (from ``form``) over ``page`` of ``writer``. ``key`` tells the overlays
    of one print apart (pages may share a resource dictionary)."""
    resources = _resources(page)
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    xobjects = _dict(resources["/XObject"])
    name = f"{_PREFIX}{key}"
    while name in xobjects and xobjects.raw_get(name) != overlay:  # a name in use already
        name += "x"
    xobjects[NameObject(name)] = overlay
    old = page.get("/Contents")
    parts: list[IndirectObject] = []
    if old is not None:
        resolved = old.get_object()
        parts = list(resolved) if isinstance(resolved, ArrayObject) else [old]
    page[NameObject("/Contents")] = ArrayObject([
        _stream(writer, b"q\n"), *parts, _stream(writer, f"\nQ\nq {name} Do Q\n".encode()),
    ])
