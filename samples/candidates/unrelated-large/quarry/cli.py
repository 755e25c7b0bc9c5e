"""Command-line interface: ``quarry build|serve|new|init|clean``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .builder import BuildError, SiteBuilder
from .config import ConfigError, load_config
from .scaffold import ScaffoldError, create_project, new_content_file

EXIT_OK = 0
EXIT_BUILD_FAILED = 1
EXIT_USAGE = 2

log = logging.getLogger("quarry")


class _Formatter(logging.Formatter):
    COLORS = {logging.WARNING: "33", logging.ERROR: "31", logging.CRITICAL: "31;1"}

    def __init__(self, color: bool):
        super().__init__("%(message)s")
        self.color = color

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        code = self.COLORS.get(record.levelno)
        if record.levelno >= logging.WARNING:
            text = f"{record.levelname.lower()}: {text}"
        return f"\033[{code}m{text}\033[0m" if code and self.color else text


def _setup_logging(verbosity: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbosity > 0 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(color=sys.stderr.isatty()))
    root = logging.getLogger("quarry")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _cmd_build(args: argparse.Namespace) -> int:
    config = load_config(args.root, overrides={"build": {"output_dir": args.output}})
    builder = SiteBuilder(config, include_drafts=args.drafts or None)
    if args.clean:
        builder.clean()
        builder = SiteBuilder(config, include_drafts=args.drafts or None)
    report = builder.build()
    for error in report.errors:
        log.error("%s", error)
    if args.verbose:
        for out in report.rendered:
            log.debug("  wrote %s", out)
    log.info("built %s: %s", config.site.title, report.describe())
    return EXIT_OK if report.ok else EXIT_BUILD_FAILED


def _cmd_serve(args: argparse.Namespace) -> int:
    from .server import DevServer  # imported lazily: pulls in http.server

    overrides = {"serve": {"host": args.host, "port": args.port}}
    if args.no_reload:
        overrides["serve"]["live_reload"] = False
    config = load_config(args.root, overrides=overrides)
    server = DevServer(config, include_drafts=not args.hide_drafts)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopped")
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", config.serve.host, config.serve.port, exc.strerror)
        return EXIT_BUILD_FAILED
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    config = load_config(args.root)
    path = new_content_file(config.content_path, args.title, section=args.section,
                            draft=not args.publish)
    print(path.relative_to(config.root))
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.directory)
    created = create_project(target, args.title, force=args.force)
    for path in created:
        print(f"  created {path}")
    print(f"\nNext: cd {target} && quarry serve")
    return EXIT_OK


def _cmd_clean(args: argparse.Namespace) -> int:
    config = load_config(args.root)
    SiteBuilder(config).clean()
    log.info("removed %s", config.output_path)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quarry", description="A small static site generator.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-C", "--root", default=None, metavar="DIR",
                        help="project directory (default: search upwards from cwd)")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    parser.add_argument("-q", "--quiet", action="store_true", help="only print warnings and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    build = sub.add_parser("build", help="render the site into the output directory")
    build.add_argument("--drafts", action="store_true", help="include pages marked draft")
    build.add_argument("--clean", action="store_true", help="delete output and cache first")
    build.add_argument("-o", "--output", default=None, help="override build.output_dir")
    build.set_defaults(func=_cmd_build)

    serve = sub.add_parser("serve", help="run the development server")
    serve.add_argument("--host", default=None)
    serve.add_argument("-p", "--port", type=int, default=None)
    serve.add_argument("--no-reload", action="store_true", help="disable live reload")
    serve.add_argument("--hide-drafts", action="store_true")
    serve.set_defaults(func=_cmd_serve)

    new = sub.add_parser("new", help="create a new content file")
    new.add_argument("title")
    new.add_argument("-s", "--section", default="", help="subdirectory of the content dir")
    new.add_argument("--publish", action="store_true", help="do not mark as draft")
    new.set_defaults(func=_cmd_new)

    init = sub.add_parser("init", help="create a starter project")
    init.add_argument("directory", nargs="?", default=".")
    init.add_argument("--title", default="My site")
    init.add_argument("--force", action="store_true")
    init.set_defaults(func=_cmd_init)

    clean = sub.add_parser("clean", help="delete the output directory")
    clean.set_defaults(func=_cmd_clean)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        return args.func(args)
    except (ConfigError, ScaffoldError) as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    except BuildError as exc:
        log.error("%s", exc)
        return EXIT_BUILD_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
