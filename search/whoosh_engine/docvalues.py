"""The per-document facet arrays of a Whoosh generation, indexed by Whoosh document number.

Whoosh counts facets by walking every hit in Python and rebuilding date ranges
on every search, hundreds of milliseconds on a large archive. Instead, when a
generation is committed each stored record is read once and its facet values
saved as arrays (``search.docvalues``); Whoosh document numbers are dense and
stable for a committed snapshot, so they index the arrays directly.
"""

from __future__ import annotations

from pathlib import Path

from whoosh.index import Index

from search.docvalues import DocValues, DocValuesBuilder, save_docvalues
from search.docvalues import load_docvalues as _load


def write_docvalues(ix: Index, directory: Path) -> None:
    with ix.reader() as reader:
        builder = DocValuesBuilder(reader.doc_count_all())
        for docnum, fields in reader.iter_docs():
            builder.add(docnum, fields["record"])
    save_docvalues(builder.build(), directory)


def load_docvalues(directory: Path) -> DocValues:
    return _load(directory)[0]
