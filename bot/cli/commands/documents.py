"""`briefbot documents list | rm ID... | prune --older-than 90d`: loaded documents.

`rm` and `prune` delete a document with its items, their search rows and the stories only it
held, one transaction per command; briefings already delivered stay.
"""

from __future__ import annotations

import argparse
import json

from bot.cli.commands.common import CliError, positive_int
from bot.context import AppContext
from services import documents
from storage.clock import as_utc
from storage.records import DocumentRecord
from storage.repositories.documents import DeletedDocuments


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `documents` subcommands."""
    docs = sub.add_parser("documents", help="list, delete or prune loaded documents")
    actions = docs.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every document: id, name, loaded at, items")
    listing.add_argument("--json", action="store_true", help="one JSON object per document")
    listing.set_defaults(handler=cmd_list)
    rm = actions.add_parser("rm", help="delete documents by id, with their items and stories")
    rm.add_argument("ids", nargs="+", type=positive_int, metavar="ID")
    rm.add_argument("--json", action="store_true", help="print what was removed as JSON")
    rm.set_defaults(handler=cmd_rm)
    prune = actions.add_parser("prune", help="delete documents loaded longer ago than an age")
    prune.add_argument("--older-than", required=True, type=_age, metavar="AGE",
                       help="e.g. 90d, 12h, 2w (by the time each document was loaded)")
    prune.add_argument("--dry-run", action="store_true", help="only list what would go")
    prune.add_argument("--json", action="store_true", help="print what was removed as JSON")
    prune.set_defaults(handler=cmd_prune)


def _age(text: str):
    try:
        return documents.parse_age(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_list(ctx: AppContext, args: argparse.Namespace) -> int:
    """Print every loaded document, newest first."""
    found = documents.list_documents(ctx.sessions)
    if args.json:
        for document in found:
            print(json.dumps(document_json(document), ensure_ascii=False))
        return 0
    if not found:
        print("No documents loaded.")
        return 0
    print(f"{'ID':>6}  {'LOADED AT (UTC)':<16}  {'ITEMS':>5}  NAME")
    for document in found:
        print(_line(document))
    return 0


def cmd_rm(ctx: AppContext, args: argparse.Namespace) -> int:
    """Delete the documents given by id, all or none."""
    try:
        deleted = documents.delete(ctx.sessions, args.ids, ctx.clock())
    except documents.UnknownDocumentsError as exc:
        raise CliError(f"{exc}: nothing deleted (`briefbot documents list` shows the ids)") from None
    _report(deleted, args.json, "removed")
    return 0


def cmd_prune(ctx: AppContext, args: argparse.Namespace) -> int:
    """Delete (or with --dry-run list) the documents older than --older-than."""
    deleted = documents.prune(ctx.sessions, args.older_than, ctx.clock(), dry_run=args.dry_run)
    _report(deleted, args.json, "would remove" if args.dry_run else "removed")
    return 0


def document_json(document: DocumentRecord) -> dict:
    """Return the JSON shape of a document that scripts rely on."""
    return {"id": document.id, "name": document.name, "title": document.title,
            "format": document.format, "status": document.status,
            "loaded_at": as_utc(document.loaded_at).isoformat(), "items": document.item_count}


def _line(document: DocumentRecord) -> str:
    loaded = as_utc(document.loaded_at).strftime("%Y-%m-%d %H:%M")
    failed = "" if document.status == "loaded" else f"  ({document.status})"
    return f"{document.id:>6}  {loaded:<16}  {document.item_count:>5}  {document.name}{failed}"


def _report(deleted: DeletedDocuments, as_json: bool, verb: str) -> None:
    if as_json:
        print(json.dumps({"documents": [document_json(d) for d in deleted.documents],
                          "items": deleted.items, "stories_removed": deleted.stories_removed,
                          "stories_kept": deleted.stories_kept}, ensure_ascii=False))
        return
    for document in deleted.documents:
        print(_line(document))
    stories = ("" if verb == "would remove" else
               f"; {_count(deleted.stories_removed, 'story', 'stories')} gone, "
               f"{deleted.stories_kept} kept with fewer items")
    print(f"{verb} {_count(len(deleted.documents), 'document')} "
          f"({_count(deleted.items, 'item')}{stories})")


def _count(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"
