"""The ``fazhi`` command.

Exit status: 0 everything succeeded; 1 the run finished but some items failed (fetch errors,
quarantined pages, unreadable inputs) — the summary says which; 2 a user error (bad option, invalid
registry, missing file) with a one-line message; 3 a data check failed (the offending rows are
printed); 130 interrupted. Errors classify themselves (``core.errors.FazhiError.exit_code``);
``--debug`` shows tracebacks and Prefect's logs.

The project root is ``--root``, else ``FAZHI_ROOT``, else the nearest ancestor of the working
directory holding ``raw/sources.yaml`` (``config.find_root``); ``fazhi init DIR`` makes a new one.

Prefect is imported only by the commands that run flows, so ``fazhi parse`` and ``fazhi sql`` start fast;
those commands check their inputs first (``check_inputs``: light modules only, not ``stages``), so that
a user error is reported in well under a second, before Prefect starts and before anything is written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from flows import __version__, schedule
from flows.core import layout, storage
from flows.core.config import ROOT_ENV, ROOT_MARKER, Settings, configure_prefect, load_settings, project_root
from flows.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USER, FazhiError, UserError
from flows.core.lock import run_lock
from flows.core.orphans import watching_children
from flows.core.temporary_server import early_api_server
from flows.fetch import registry
from flows.fetch.archive import Archive, import_captured_text
from flows.fetch.discover.state import DiscoveryState
from flows.publish.releases import publishable_years
from flows.tools.corpus import resolve_corpus

# Commands that work without a project: parsing files, scoring the parser, making a project.
NO_PROJECT = frozenset({"parse", "evaluate", "init"})


def _years(value: str) -> list[int]:
    """``2022`` or ``2019-2023`` or ``2021,2022``."""
    years: list[int] = []
    for part in value.split(","):
        part = part.strip()
        try:
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                years.extend(range(low, high + 1))
            else:
                years.append(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not a year or range of years: {part!r} (use 2022, 2019-2023 or 2021,2022)"
            ) from None
    if not years or any(y < 1990 or y > 2100 for y in years):
        raise argparse.ArgumentTypeError(f"years out of range in {value!r}")
    return sorted(set(years))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fazhi",
        description="法治 fazhi: open data from Chinese governments' annual rule-of-law-government reports "
        "(fetch -> normalize -> load -> publish).",
        epilog="Exit status: 0 ok, 1 some items failed (see the summary), 2 user error, 3 data check failed.",
    )
    parser.add_argument("--version", action="version", version=f"fazhi {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and Prefect's logs")
    parser.add_argument(
        "--root",
        type=Path,
        help="project root holding raw/, warehouse/, releases/ (default: $FAZHI_ROOT, else the nearest "
        "directory from here upwards holding raw/sources.yaml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def runner_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--runner",
            choices=["default", "process", "dask"],
            default="default",
            help="where normalize batches run: threads in this process (default), a local process pool, "
            "or a Dask cluster",
        )
        p.add_argument(
            "--address", help="Dask scheduler address (tcp://host:port); without it a local 2-worker cluster"
        )

    def stage_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--source", dest="source_ids", action="append", metavar="ID", help="only this source id (repeatable)"
        )

    p = sub.add_parser("run", help="the whole pipeline: fetch -> normalize -> load -> publish (the Prefect flow 'etl')")
    stage_options(p)
    p.add_argument("--offline", action="store_true", help="never touch the network: work from what raw/ holds")
    p.add_argument("--refresh", action="store_true", help="re-fetch every source, not only new ones")
    p.add_argument(
        "--years",
        "--year",
        dest="years",
        type=_years,
        help="report year(s) to publish: 2022, 2019-2023, 2021,2022 (default: every year loaded)",
    )
    p.add_argument("--no-publish", dest="publish", action="store_false", help="stop after load")
    p.add_argument("--allow-drop", action="store_true", help="accept a drop in row counts against the previous run")
    p.add_argument("--batch-size", type=int, default=200, help="documents per normalize task (default 200)")
    p.add_argument(
        "--discover", action="store_true", help="first read the listings of raw/listings.yaml for new reports"
    )
    runner_options(p)

    p = sub.add_parser(
        "discover",
        help="read the listing pages of raw/listings.yaml and propose the reports they link to (the Prefect flow 'discover')",
    )
    p.add_argument(
        "--listing", dest="listing_ids", action="append", metavar="ID", help="only this listing id (repeatable)"
    )
    p.add_argument("--offline", action="store_true", help="never touch the network: read the archived listing pages")
    p.add_argument("--review", action="store_true", help="list the candidates waiting for review and stop")

    p = sub.add_parser("accept", help="accept review candidates into raw/sources.discovered.yaml")
    p.add_argument("ids", nargs="+", metavar="ID", help="candidate ids from `fazhi discover --review`")
    p = sub.add_parser("reject", help="reject review candidates (they are never proposed again)")
    p.add_argument("ids", nargs="+", metavar="ID", help="candidate ids from `fazhi discover --review`")

    p = sub.add_parser("fetch", help="download registry urls not yet archived into raw/ (the Prefect flow 'fetch')")
    stage_options(p)
    p.add_argument("--offline", action="store_true", help="never touch the network; report what raw/ holds")
    p.add_argument("--refresh", action="store_true", help="re-fetch every source (conditional GET)")

    p = sub.add_parser("init", help="create a new project: a sources registry with an example, an empty archive")
    p.add_argument("directory", type=Path, nargs="?", default=Path("."), help="where (default: here)")

    p = sub.add_parser(
        "import-text",
        help="archive a captured text file as a source's snapshot (when the page itself cannot be fetched)",
    )
    p.add_argument("source_id", help="a source id from raw/sources.yaml")
    p.add_argument("path", type=Path, help="UTF-8 text file as captured from the page")
    p.add_argument(
        "--note",
        help="required: who imports the text and why (recorded in raw/manifest.jsonl, shown in documents.capture_note)",
    )

    p = sub.add_parser(
        "normalize", help="parse archived snapshots into documents, sections and metrics (the Prefect flow 'normalize')"
    )
    stage_options(p)
    p.add_argument("--batch-size", type=int, default=200, help="documents per task (default 200)")
    runner_options(p)

    p = sub.add_parser("load", help="build the Parquet datasets and the DuckDB warehouse (the Prefect flow 'load')")
    p.add_argument("--allow-drop", action="store_true", help="accept a drop in row counts against the previous run")

    p = sub.add_parser("publish", help="publish versioned CSV releases for report years (the Prefect flow 'publish')")
    p.add_argument(
        "--year",
        "--years",
        dest="years",
        type=_years,
        help="report year(s): 2022, 2019-2023, 2021,2022 (default: every year loaded)",
    )

    p = sub.add_parser(
        "parse", help="print what the parser makes of files or archived urls, as JSON (no Prefect, no writes)"
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="PATH_OR_URL",
        help=".html/.htm/.txt/.pdf/.docx/.ofd files, or urls already archived in raw/",
    )
    p.add_argument("--format", choices=["json", "jsonl"], default="json")

    p = sub.add_parser("evaluate", help="score the parser against the gold corpus")
    p.add_argument(
        "--corpus",
        type=Path,
        help="corpus directory (default: ../shared/corpus beside the checkout, else the frozen tests/fixtures/corpus, "
        "which it then names on stderr)",
    )
    p.add_argument(
        "--misses",
        type=int,
        nargs="?",
        const=1000,
        help="list each miss with the page line that misled the parser (optionally at most N per field)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the scores per set as JSON, every measure with its counts (for tests/floors.json and CI)",
    )
    p.add_argument(
        "--labels",
        type=Path,
        help="catalog codes of the corpus's gold metrics (default: metric_labels.json in the corpus, if any)",
    )
    p.add_argument(
        "--html",
        choices=["div", "table"],
        help="score the HTML path: each captured text put back into a portal page (UTF-8 div or GBK table layout) "
        "with a site-name <title>",
    )
    p.add_argument(
        "--as",
        dest="as_format",
        choices=["text", "pdf", "docx"],
        default="text",
        help="parse each text as captured (default), printed to PDF by headless Chromium, or saved as .docx",
    )

    p = sub.add_parser("sql", help="query the DuckDB warehouse (read-only)")
    p.add_argument("query", help='SQL, e.g. "SELECT * FROM coverage"')
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument(
        "--max-width",
        type=int,
        default=60,
        metavar="N",
        help="table format: cut cells wider than N columns with an ellipsis (default 60; 0: never cut)",
    )

    p = sub.add_parser(
        "serve",
        help="serve the deployments of prefect.yaml on this machine, with one Prefect server",
        description="Serve the deployments of prefect.yaml (schedules and runs triggered through the API) for "
        "the project root. Uses the Prefect server at $PREFECT_API_URL when it is set; otherwise starts exactly "
        "one `prefect server start` on --host/--port and stops it on Ctrl-C or SIGTERM.",
    )
    p.add_argument("--host", help="address of the Prefect server started here (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port of the Prefect server started here (default 4200)")
    p.add_argument(
        "--deployment",
        dest="deployments",
        action="append",
        metavar="NAME",
        help="serve only this deployment of prefect.yaml (repeatable; default: all of them)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USER
    try:
        if args.root:
            os.environ[ROOT_ENV] = str(args.root.resolve())
        elif args.command not in NO_PROJECT:
            # Found once here, so that the flows, their worker processes and Prefect's home agree.
            os.environ[ROOT_ENV] = str(project_root())
        return COMMANDS[args.command](args) or EXIT_OK
    except KeyboardInterrupt:
        print("fazhi: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # fazhi's own errors are their message; anything else too, unless --debug
        if args.debug:
            raise
        return report_error(args.command, exc)


def report_error(command: str, exc: Exception) -> int:
    """Print ``exc`` for the person running ``fazhi COMMAND``; return the exit status it classifies."""
    code = exc.exit_code if isinstance(exc, FazhiError) else EXIT_FAILED
    kind = "error" if code == EXIT_USER else "failed"
    print(f"fazhi {command}: {kind}: {exc}", file=sys.stderr)
    if not isinstance(exc, FazhiError):
        print("(unexpected: run again with --debug for the traceback)", file=sys.stderr)
    return code


# -- commands ---------------------------------------------------------------------------------


def cmd_parse(args: argparse.Namespace) -> int:
    from flows.tools.inputs import parse_inputs  # imported here: the parsers load only for this command

    failed = 0
    outputs = []
    for name, result, error in parse_inputs(args.inputs):
        if error:
            failed += 1
            print(f"fazhi parse: {name}: {error}", file=sys.stderr)
            continue
        outputs.append(result)
        if args.format == "jsonl":
            print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.format == "json":
        payload = outputs[0] if len(args.inputs) == 1 and outputs else outputs
        if outputs or len(args.inputs) > 1:
            print(json.dumps(payload, ensure_ascii=False, indent=2))
    return EXIT_FAILED if failed else EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from flows.tools.evaluate import (  # imported here: only this command scores
        evaluate_corpus,
        format_report,
        report_json,
    )

    corpus, note = resolve_corpus(args.corpus, os.environ.get("FAZHI_CORPUS_DIR"))
    if note:
        print(note, file=sys.stderr)
    if not Path(corpus).is_dir():
        raise UserError(f"corpus directory not found: {corpus} (pass --corpus DIR)")
    if args.as_format == "pdf":
        from flows.tools.printed import find_chromium  # imported here: only this option needs it

        if find_chromium() is None:
            raise UserError("fazhi evaluate --as pdf needs headless Chromium: install chromium and fonts-noto-cjk")
    if args.labels is not None and not args.labels.is_file():
        raise UserError(f"label file not found: {args.labels}")
    report = evaluate_corpus(Path(corpus), args.html, as_format=args.as_format, labels_path=args.labels)
    if args.json:
        print(json.dumps(report_json(report, Path(corpus)), ensure_ascii=False, indent=1))
        return EXIT_OK
    explain = args.misses is not None
    print(format_report(report, misses=args.misses if explain else 40, explain=explain))
    return EXIT_OK


# -- before a flow starts --------------------------------------------------------------------

# What reads the registry: flows by name (``pipeline.FLOWS``) and ``fazhi import-text``.
_REGISTRY_READERS = frozenset({"etl", "fetch", "normalize", "load", "import-text"})


def check_inputs(settings: Settings, flow: str, *, source_ids=None, years=None) -> None:
    """Raise the ``UserError`` the flow ``flow`` would raise on its inputs, before it starts: no
    registry, an invalid registry or an unknown source id; for ``publish``, no warehouse or a year
    without reports. Reads only (no lock, no ``.prefect/``); the stages check the same again under
    the run lock. A root at a URL is left to the stages (checking it would mean pulling it)."""
    if flow in _REGISTRY_READERS and not settings.raw_url:
        if not settings.registry_path.is_file():
            hint = (
                f"{settings.root} is not a fazhi project: create one with `fazhi init {settings.root}`"
                if settings.registry_path == settings.root / ROOT_MARKER
                else "FAZHI_RAW_DIR names a directory without a registry"
            )
            raise UserError(f"{settings.registry_path}: no sources registry; {hint}")
        # The hand-written and discovered registries, parsed once per process: the flow's stages reuse
        # the parse (``registry.load_registry`` keeps it by the file's bytes).
        registry.select_sources(registry.load_sources(settings.registry_path), source_ids, settings.registry_path)
    if flow == "publish" and not settings.warehouse_url:
        publishable_years(settings.warehouse_dir, years)


def init_project(directory: Path) -> Path:
    """A new project in ``directory``: the registry (its format explained, an example entry
    commented out) and an empty archive. Refuses a directory that already has a registry.
    Returns the registry's path."""
    root = Path(directory).resolve()
    registry_path = root / ROOT_MARKER
    if registry_path.exists():
        raise UserError(f"{registry_path} exists: {root} is already a fazhi project; nothing was changed")
    if root.exists() and not root.is_dir():
        raise UserError(f"{root} is not a directory")
    Archive(registry_path.parent).create()
    registry_path.write_text(registry.TEMPLATE, encoding="utf-8")
    return registry_path


def cmd_init(args: argparse.Namespace) -> int:
    registry_path = init_project(args.directory)
    root = registry_path.parent.parent
    print(
        f"fazhi init: a new project in {root}: add sources to {registry_path} (an example entry is there, "
        f"commented out), then run `fazhi run` inside {root}"
    )
    return EXIT_OK


def cmd_sql(args: argparse.Namespace) -> int:
    from flows.tools.sql import run_query  # imported here: DuckDB loads only for this command

    settings = load_settings()
    if settings.warehouse_url:  # the warehouse lives at a URL: bring the working copy up to date
        with run_lock(settings.warehouse_dir, command="fazhi sql"):
            storage.pull(settings, "warehouse")
    db = settings.warehouse_dir / layout.DATABASE
    if not db.exists():
        raise UserError(f"no warehouse at {db}: run `fazhi run --offline` (or `fazhi load`) first")
    print(run_query(db, args.query, fmt=args.format, max_width=args.max_width))
    return EXIT_OK


def cmd_import_text(args: argparse.Namespace) -> int:

    settings = load_settings()
    if not (args.note or "").strip():
        raise UserError(
            "--note is required: say who imports this text and why "
            "(e.g. --note '张三: the page no longer loads; text copied from the cached copy')"
        )
    if not args.path.is_file():
        raise UserError(f"{args.path}: file not found")
    check_inputs(settings, "import-text")  # before the lock: a root without a registry gets no lock file
    with (
        run_lock(settings.warehouse_dir, command="fazhi import-text"),
        storage.synced(settings, reads=("raw",), writes=("raw",)),
    ):
        sources = {s["source_id"]: s for s in registry.load_sources(settings.registry_path)}
        if args.source_id not in sources:
            raise UserError(
                f"{settings.registry_path}: no source with source_id {args.source_id!r}; add it to the registry first"
            )
        row = import_captured_text(Archive(settings.raw_dir), sources[args.source_id], args.path, note=args.note)
    print(
        f"{args.source_id}: {row['outcome']} snapshot {row['snapshot_sha256'][:12]} ({row['bytes']} bytes) from {args.path}"
    )
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    if not args.review:
        return _run_flow("discover", args, load_settings())

    settings = load_settings()
    if settings.raw_url:  # raw/ lives at a URL: bring the working copy up to date first
        with run_lock(settings.warehouse_dir, command="fazhi discover --review"):
            storage.pull(settings, "raw")
    pending = DiscoveryState.read(settings.raw_dir).pending()
    for entry in pending:
        print(
            f"{entry['candidate_id']}  {entry['listing_id']}  {entry.get('link_date') or '----------'}  "
            f"{entry.get('link_text')}\n            {entry['url']}\n            why: {entry.get('reason')}"
        )
    print(f"fazhi discover: {len(pending)} candidate(s) waiting for review (fazhi accept ID... / fazhi reject ID...)")
    return EXIT_OK


def _decide(accept: bool):
    def run(args: argparse.Namespace) -> int:
        from flows.fetch.discover.run import decide  # imported here: classifier and HTTP load only for this command

        settings = load_settings()
        verb = "accept" if accept else "reject"
        with (
            run_lock(settings.warehouse_dir, command=f"fazhi {verb}"),
            storage.synced(settings, reads=("raw",), writes=("raw",)),
        ):
            try:
                lines = decide(settings.raw_dir, args.ids, accept)
            except LookupError as error:
                raise UserError(
                    f"{settings.raw_dir / layout.REVIEW}: no candidate with id {error} (see `fazhi discover --review`)"
                ) from None
        print("\n".join(lines))
        return EXIT_OK

    return run


def cmd_serve(args: argparse.Namespace) -> int:
    return schedule.serve(host=args.host, port=args.port, names=args.deployments)


def _flow_command(name: str):
    def run(args: argparse.Namespace) -> int:
        check_inputs(
            load_settings(),
            name,
            source_ids=getattr(args, "source_ids", None),
            years=args.years if name == "publish" else None,
        )
        if args.debug:  # Prefect's logs, from INFO up (without --debug none reach the terminal)
            os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
        return _run_flow(name, args, load_settings())

    return run


def _run_flow(name: str, args: argparse.Namespace, settings: Settings) -> int:
    """A flow command: one run per warehouse at a time, nothing left running if it is killed, and its
    temporary Prefect server (none with ``PREFECT_API_URL``) starting while Prefect is imported. A
    remote Dask cluster gets none: ``run_command`` refuses it in ephemeral mode."""
    configure_prefect(settings)  # Prefect's environment, which the early server reads too
    with (
        run_lock(settings.warehouse_dir),  # fail before anything starts if another run holds it
        watching_children(),  # a SIGKILLed command leaves no temporary server or worker behind
        early_api_server(enabled=not getattr(args, "address", None)) as server,
    ):
        from flows.pipeline import run_command  # Prefect: only for the commands that run flows

        return run_command(name, args, server)


COMMANDS = {
    "parse": cmd_parse,
    "evaluate": cmd_evaluate,
    "sql": cmd_sql,
    "init": cmd_init,
    "import-text": cmd_import_text,
    "discover": cmd_discover,
    "accept": _decide(True),
    "reject": _decide(False),
    "run": _flow_command("etl"),
    "fetch": _flow_command("fetch"),
    "normalize": _flow_command("normalize"),
    "load": _flow_command("load"),
    "publish": _flow_command("publish"),
    "serve": cmd_serve,
}


if __name__ == "__main__":
    sys.exit(main())
