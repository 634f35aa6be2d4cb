"""The ``policy-search`` command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys

import click

from . import __version__
from .document import Document
from .ingest import ReadFailure, read_corpus


def _echo_json(obj: dict) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policy-search")
def main() -> None:
    """Full-text search over Chinese government policy documents."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document per line.")
def inspect(paths: tuple[str, ...], as_json: bool) -> None:
    """Show how each file under PATHS is read: metadata and paragraphs.

    Unreadable files are reported on stderr, one line each; the exit code is
    non-zero only when no file could be read.
    """
    read = 0
    for item in read_corpus(paths):
        if isinstance(item, ReadFailure):
            click.echo(f"error: {item}", err=True)
            continue
        read += 1
        for warning in item.warnings:
            click.echo(f"warning: {warning}", err=True)
        if as_json:
            _echo_json(item.to_dict())
        else:
            _print_document(item)
    if read == 0:
        click.echo("error: no document could be read", err=True)
        sys.exit(1)


def _print_document(doc: Document) -> None:
    meta = doc.meta
    click.secho(f"{doc.doc_id}", bold=True)
    rows = [
        ("source", doc.source), ("encoding", doc.encoding), ("title", meta.title),
        ("doc_number", meta.doc_number), ("issuer", meta.issuer), ("date", meta.date),
        ("doc_type", meta.doc_type), ("topic", meta.topic),
    ]
    for name, value in rows:
        shown = "—" if value is None else value
        evidence = meta.evidence.get(name)
        original = meta.original.get(name)
        extra = []
        if original:
            extra.append(f"original {original}")
        if evidence:
            extra.append(f"from {evidence}")
        suffix = f"  ({'; '.join(extra)})" if extra else ""
        click.echo(f"  {name:<11} {shown}{suffix}")
    click.echo(f"  paragraphs  {len(doc.paragraphs)}")
    for p in doc.paragraphs[:3]:
        text = p.text if len(p.text) <= 60 else p.text[:60] + "…"
        click.echo(f"    {p.n:>3}{'#' if p.heading else ' '} {text}")
    if len(doc.paragraphs) > 3:
        click.echo("    …")
    click.echo()


if __name__ == "__main__":
    main()
