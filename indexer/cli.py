"""The ``policy-search`` command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import click

from . import __version__, settings
from .document import Document
from .indexing import reindex
from .ingest import ReadFailure, read_corpus
from .search import DocumentNotFound, QueryError, Results, open_index
from .store import (
    IndexBusy,
    ReindexFailed,
    ReindexRefused,
    SearchIndexError,
    live_generation,
)


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


def _index_dir(given: str | None) -> Path:
    return Path(settings.resolve("index_dir", Path(given) if given else None))


def _user_dicts(given: str | None) -> tuple[str, ...]:
    value = settings.resolve("user_dict", Path(given) if given else None)
    return (str(value),) if value else ()


index_dir_option = click.option(
    "--index-dir", metavar="DIR", help="Index location (default: $POLICY_SEARCH_INDEX or var/index).")


def _open(index_dir: str | None):
    try:
        return open_index(_index_dir(index_dir))
    except SearchIndexError as exc:
        raise click.ClickException(str(exc)) from None


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path())
@index_dir_option
@click.option("--rebuild", is_flag=True, help="Rebuild from scratch (every corpus root).")
@click.option("--allow-removals", is_flag=True,
              help="Let the run remove more than half of the index, or the documents of a "
                   "corpus folder that is gone or empty.")
@click.option("--user-dict", metavar="FILE", help="Extra jieba user dictionary.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another running reindex.")
@click.option("--checksum", is_flag=True,
              help="Read and hash every file, even those whose size and modification time "
                   "are unchanged.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def index_cmd(paths, index_dir, rebuild, allow_removals, user_dict, wait, checksum, as_json):
    """Add new, update changed and remove deleted documents.

    \b
    policy-search index          sync every corpus root the index remembers
                                 (the first build indexes corpus/)
    policy-search index PATH...  add and update what is under PATH; remove only
                                 documents that were under PATH and are gone

    A PATH inside a known root keeps ids relative to that root (`index
    corpus/new.txt` adds `new.txt`); any other PATH becomes a new root.
    Documents elsewhere are never touched.

    Refused, with nothing written (exit code 1): a PATH that does not exist; a
    root that is gone or holds no file while the index holds documents from it;
    a run that would remove more than half of the index's documents. Pass
    --allow-removals when that is intended (a missing PATH is always refused).

    A file whose size and modification time (and its sidecar's) are those it
    had when it was indexed is not read; other files are compared by content
    hash (--checksum: every file). An interrupted or failed run leaves the
    previous index searchable. Unreadable files are reported (`error: …`) and
    keep their indexed version; sidecar problems are warnings (`warning: …`).
    Exit code 1 when the run fails or is refused, 0 otherwise.
    """
    target = _index_dir(index_dir)
    if not paths and live_generation(target) is None:
        paths = (str(settings.resolve("corpus")),)
    show_bar = sys.stderr.isatty() and not as_json
    bar = None

    def progress(done: int, total: int, name: str) -> None:
        nonlocal bar
        if not show_bar:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="indexing", file=sys.stderr,
                                    show_pos=True, show_eta=True)
            bar.__enter__()
        bar.update(1)

    try:
        report = reindex(paths, target, rebuild=rebuild, user_dicts=_user_dicts(user_dict),
                         progress=progress, wait=wait, allow_removals=allow_removals,
                         checksum=checksum)
    except (IndexBusy, ReindexRefused, ReindexFailed) as exc:
        raise click.ClickException(str(exc)) from None
    except (SearchIndexError, OSError) as exc:
        raise click.ClickException(f"reindex failed, previous index kept: {exc}") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for failure in report.failed:
        click.echo(f"error: {failure}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(f"{target}: {report.summary()}")


@main.command("search")
@click.argument("query")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--limit", type=int, default=10, show_default=True)
@click.option("--offset", type=int, default=0, show_default=True)
@click.option("--issuer", help="Only this issuing body (发文机关; any name of it in the "
              "thesaurus; joint issuers count for each body).")
@click.option("--type", "doc_type", help="Only this document type (公文种类), exact.")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="成文日期 on or after.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="成文日期 on or before.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance",
              show_default=True)
@click.option("--explain", is_flag=True,
              help="Show for each hit which query parts matched, how, and the score parts.")
@click.option("--within", metavar="QUERY", help="Refine: keep only hits that match QUERY too.")
@click.option("--group", type=click.Choice(["paragraph", "document"]), default="paragraph",
              show_default=True, help="One result per paragraph, or per document (同篇).")
@click.option("--former", is_flag=True,
              help="Also search the former names of renamed or merged bodies (thesaurus).")
def search_cmd(query, index_dir, as_json, limit, offset, issuer, doc_type, date_from, date_to,
               sort, explain, within, group, former):
    """Search paragraphs (best match: every word first, then some). See the README
    for the query language."""
    index = _open(index_dir)
    try:
        if group == "document":
            grouped = index.search_documents(query, limit=limit, offset=offset, issuer=issuer,
                                             doc_type=doc_type, date_from=date_from,
                                             date_to=date_to, sort=sort, within=within,
                                             former=former)
        else:
            results = index.search(query, limit=limit, offset=offset, issuer=issuer,
                                   doc_type=doc_type, date_from=date_from, date_to=date_to,
                                   sort=sort, explain=explain, within=within, former=former)
    except QueryError as exc:
        raise click.UsageError(str(exc)) from None
    if group == "document":
        if as_json:
            _echo_json(grouped.to_dict())
        else:
            _print_documents(grouped)
    elif as_json:
        _echo_json(results.to_dict())
    else:
        _print_results(results)


def _print_documents(grouped) -> None:
    results = grouped.results
    for message in results.messages:
        click.echo(message)
    click.echo(f"{grouped.total_documents} documents, {results.total} paragraphs, "
               f"{results.took_ms} ms")
    for doc in grouped.documents:
        meta = " · ".join(x for x in (doc.doc_number, doc.issuer, doc.date, doc.doc_type) if x)
        click.echo()
        click.secho(f"{doc.title or doc.doc_id}  [{doc.doc_id}] {doc.matches} paragraphs",
                    bold=True)
        if meta:
            click.echo(f"  {meta}")
        for hit in doc.hits:
            click.echo(f"  #{hit.paragraph}: {_plain_snippet(hit.snippet)}")


filter_options = [
    click.option("--issuer", help="Only this issuing body (发文机关), exact."),
    click.option("--type", "doc_type", help="Only this document type (公文种类), exact."),
    click.option("--from", "date_from", metavar="YYYY-MM-DD", help="成文日期 on or after."),
    click.option("--to", "date_to", metavar="YYYY-MM-DD", help="成文日期 on or before."),
    click.option("--within", metavar="QUERY", help="Refine: keep only hits that match QUERY too."),
]


def with_filters(func):
    for option in reversed(filter_options):
        func = option(func)
    return func


@main.command("export")
@click.argument("query")
@index_dir_option
@with_filters
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "jsonl"]), default="csv",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", required=True,
              help="File to write ('-' for standard output; not for xlsx).")
def export_cmd(query, index_dir, issuer, doc_type, date_from, date_to, within, fmt, output):
    """Export every hit of QUERY (not just a page) with its document's metadata.

    One row per matching paragraph, as many as `search` counts, in index order.
    CSV is UTF-8 with a BOM (Excel opens it), XLSX one sheet, JSON Lines one
    object per line. Columns: doc_id, title, doc_number, issuer, date, doc_type,
    paragraph, page, text, source.
    """
    from . import export

    index = _open(index_dir)
    try:
        items = index.export_rows(query, issuer=issuer, doc_type=doc_type, date_from=date_from,
                                  date_to=date_to, within=within)
    except QueryError as exc:
        raise click.UsageError(str(exc)) from None
    if output == "-" and fmt == "xlsx":
        raise click.UsageError("-o: write XLSX to a file, not to standard output")
    total = len(items)
    bar = None
    rows = items
    if sys.stderr.isatty():
        bar = click.progressbar(length=total, label="exporting", file=sys.stderr,
                                show_pos=True, show_eta=True)
        bar.__enter__()
        rows = export.counted(items, lambda: bar.update(1))
    try:
        if output == "-":
            export.write(rows, fmt, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            tmp = Path(output + ".part")
            with open(tmp, "wb") as fh:
                export.write(rows, fmt, fh)
            tmp.replace(output)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if output != "-":
        click.echo(f"{output}: {total} rows ({fmt})", err=True)


@main.command("trends")
@click.argument("query")
@index_dir_option
@with_filters
@click.option("--by", type=click.Choice(["year", "issuer", "doc_type"]), default="year",
              show_default=True, help="Per year, or per year stacked by issuer or type.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (the /api/trends shape).")
def trends_cmd(query, index_dir, issuer, doc_type, date_from, date_to, within, by, as_json):
    """Matching paragraphs and documents per year (成文日期)."""
    index = _open(index_dir)
    try:
        data = index.trends(query, by=by, issuer=issuer, doc_type=doc_type,
                            date_from=date_from, date_to=date_to, within=within)
    except QueryError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        _echo_json(data)
        return
    for bucket in data["buckets"]:
        click.echo(f"{bucket['key']}  {bucket['paragraphs']:>7} paragraphs "
                   f"{bucket['documents']:>5} documents")
        for stack in bucket.get("stacks", []):
            click.echo(f"        {stack['paragraphs']:>7} {stack['documents']:>5}  "
                       f"{stack['key'] or '—'}")
    undated = data["undated"]
    if undated["paragraphs"]:
        click.echo(f"undated {undated['paragraphs']:>6} paragraphs {undated['documents']:>5} documents")


@main.command("mcp")
@index_dir_option
def mcp_cmd(index_dir):
    """Serve the index to MCP clients (AI assistants) over stdio.

    Tools: search, get_document, get_paragraph, trends; they return the JSON of
    the HTTP API. Configure a client to run `policy-search mcp --index-dir DIR`.
    """
    from .mcp_server import serve

    serve(_index_dir(index_dir))


def _plain_snippet(html: str) -> str:
    import html as _html
    import re
    marked = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m.group(1), bold=True,
                                                                 fg="red"), html)
    return _html.unescape(marked)


def _print_results(results: Results) -> None:
    for message in results.messages:
        click.echo(message)
    shown = f"{results.offset + 1}-{results.offset + len(results.hits)}" if results.hits else "0"
    counted = " (whole words)" if results.counted == "words" else ""
    if results.total_partial:
        click.echo(f"{results.total_all} paragraphs with every word{counted}, "
                   f"{results.total_partial} with some ({shown} shown), {results.took_ms} ms")
    else:
        click.echo(f"{results.total} paragraphs{counted} ({shown} shown), {results.took_ms} ms")
    for hit in results.hits:
        title = hit.title or hit.doc_id
        meta = " · ".join(x for x in (hit.doc_number, hit.issuer, hit.date, hit.doc_type) if x)
        click.echo()
        click.secho(f"{title}  [{hit.doc_id} #{hit.paragraph}]", bold=True)
        if meta:
            click.echo(f"  {meta}")
        click.echo(f"  {_plain_snippet(hit.snippet)}")
        if hit.explain is not None:
            _print_explain(hit.explain)


def _print_explain(why: dict) -> None:
    click.echo(f"  score {why['score']}: {why['terms_found']} term(s) found, "
               f"{'every word' if why['all_words'] else 'some words'}")
    for part in why["parts"]:
        how = ""
        if part["kind"] == "word":
            how = (f" (whole word ×{part['whole_word']}, inside a word ×{part['inside_word']}, "
                   f"across words ×{part['across_words']})")
        click.echo(f"    {part['score']:>8} {part['kind']:<9} {part['text']}{how}")


@main.command("show")
@click.argument("doc_id")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the document as JSON.")
def show_cmd(doc_id, index_dir, as_json):
    """Show one indexed document: metadata and every paragraph."""
    index = _open(index_dir)
    try:
        doc = index.document(doc_id)
    except DocumentNotFound as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo_json(doc.to_dict())
        return
    click.secho(doc.title or doc.doc_id, bold=True)
    for name in ("doc_id", "source", "doc_number", "issuer", "date", "doc_type", "topic"):
        value = getattr(doc, name)
        click.echo(f"  {name:<11} {'—' if value is None else value}")
    click.echo()
    _print_citations(doc)
    for p in doc.paragraphs:
        click.echo(f"{p['n']:>4}{'#' if p['heading'] else ' '} {p['text']}")


def _print_citations(doc) -> None:
    """What the document cites (引用) and who cites it (被引用)."""
    click.echo(f"cites ({len(doc.cites)}):")
    for c in doc.cites:
        target = "unresolved"
        if c["doc_id"] is not None:
            target = c["doc_id"] + ("" if c["target_paragraph"] is None
                                    else f" #{c['target_paragraph']}")
        click.echo(f"  #{c['paragraph']} {c['text']} -> {target}")
    click.echo(f"cited by ({len(doc.cited_by)}):")
    for c in doc.cited_by:
        click.echo(f"  {c['doc_id']} #{c['paragraph']} {c['text']}")
    click.echo()


@main.command("citations")
@index_dir_option
@click.option("--format", "fmt", type=click.Choice(["csv", "graphml"]), default="csv",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", default="-", show_default=True,
              help="File to write ('-' for standard output).")
@click.option("--unresolved", is_flag=True,
              help="CSV: also the mentions that name no indexed document (empty target).")
def citations_cmd(index_dir, fmt, output, unresolved):
    """Export who cites whom, for network analysis.

    \b
    csv      one row per mention: source, target (doc ids), source_paragraph,
             target_paragraph, kind (number/title), text, source_title, target_title
    graphml  every document as a node (title, doc_number, issuer, date, doc_type),
             one directed edge per citing and cited document (weight = mentions,
             paragraphs = the citing paragraphs)
    """
    if unresolved and fmt != "csv":
        raise click.UsageError("--unresolved: only with --format csv (GraphML edges join documents)")
    view = _open(index_dir).citations()
    if output == "-":
        count = view.write(fmt, sys.stdout.buffer, unresolved)
        sys.stdout.buffer.flush()
        return
    tmp = Path(output + ".part")
    with open(tmp, "wb") as fh:
        count = view.write(fmt, fh, unresolved)
    tmp.replace(output)
    what = "mentions" if fmt == "csv" else "edges"
    click.echo(f"{output}: {count} {what} ({fmt})", err=True)


@main.command("stats")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def stats_cmd(index_dir, as_json):
    """Show what the index holds and how it was built."""
    stats = _open(index_dir).stats()
    if as_json:
        _echo_json(stats)
        return
    for key in ("path", "generation", "documents", "paragraphs", "created", "updated",
                "package_version", "whoosh_version"):
        click.echo(f"{key:<16} {stats[key]}")
    click.echo(f"{'corpus':<16} {', '.join(stats['corpus'] or [])}")


@main.command("serve")
@index_dir_option
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option("--threads", type=click.IntRange(min=1), default=8, show_default=True,
              help="Threads of each server process.")
@click.option("--processes", type=click.IntRange(min=0), default=None,
              help="Server processes (default: the server_processes setting; 0: one per "
                   "core, at most 4).")
def serve_cmd(index_dir, host, port, threads, processes):
    """Serve the web UI through waitress; build the index of corpus/ first if there is none."""
    import logging

    from webui import create_app
    from webui.server import default_processes, listen, serve

    from .runtime import server_memory
    from .store import IncompatibleIndex, check_compatible, read_meta

    server_memory()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log = logging.getLogger("policy_search")
    target = _index_dir(index_dir)
    gen = live_generation(target)
    # Same rules as `policy-search index`: a missing corpus or a run that would
    # empty the index is refused, and the server does not start.
    try:
        if gen is None:
            corpus = settings.resolve("corpus")
            log.info("no index at %s: building it from %s", target, corpus)
            report = reindex([corpus], target)
            log.info("index built: %s", report.summary())
        else:
            meta = read_meta(gen)
            try:
                check_compatible(gen, meta)
            except IncompatibleIndex as exc:
                log.info("%s; rebuilding it from %s", exc,
                         ", ".join(meta.get("roots") or meta.get("corpus") or []))
                report = reindex(None, target, user_dicts=tuple(meta.get("user_dicts", [])))
                log.info("index rebuilt: %s", report.summary())
    except SearchIndexError as exc:
        raise click.ClickException(str(exc)) from None
    host = settings.resolve("host", host)
    port = settings.resolve("port", port)
    try:
        processes = settings.resolve("server_processes", processes) or default_processes()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if processes < 0:
        raise click.ClickException(f"POLICY_SEARCH_SERVER_PROCESSES={processes}: "
                                   "expected 0 or more")
    app = create_app({"INDEX_DIR": str(target)})
    holder = app.extensions["policy_search_index"]
    index = holder.get()
    try:
        sockets = listen(host, port)
    except OSError as exc:
        raise click.ClickException(exc.strerror or str(exc)) from None
    if processes > 1:
        # Warmed once, before the processes are forked: they share what it builds.
        _warm(index, log)
    else:
        threading.Thread(target=_warm, args=(index, log), name="warm", daemon=True).start()
    log.info("serving %s on http://%s:%s/ (%d process%s of %d threads)", target, host, port,
             processes, "" if processes == 1 else "es", threads)
    serve(app, sockets, threads, processes, release=holder.close)


def _warm(index, log) -> None:
    """Prepare the index for its first queries while the server starts answering."""
    started = time.perf_counter()
    try:
        index.warm()
    except (OSError, ValueError) as exc:  # a reindex swapped files away: queries still work
        log.warning("warming the index failed: %s", exc)
        return
    log.info("index warmed in %.2f s", time.perf_counter() - started)


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
