"""`dockwise serve`: the Harbor scanner API, the fleet API and the dashboard over HTTP
(docs/server.md); `--new-token NAME` adds an API token to the token file instead."""

from __future__ import annotations

import argparse
import ipaddress
import ssl
import sys
from pathlib import Path

from dockwise.commands.db import DB_HELP
from dockwise.commands.fleet import STORE_HELP
from dockwise.errors import DockwiseError
from dockwise.vulndb.paths import resolve_db_path

# Seconds an idle connection stays open. uvicorn's default (5) equals the Refresh-After
# a report in progress asks clients to wait (server/harbor.py), so a client polling on
# its kept-alive connection raced the close: 1 of 200 requests was dropped unanswered.
KEEP_ALIVE = 65


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    parser.add_argument("--store", metavar="URL", help=STORE_HELP)
    parser.add_argument("--db", metavar="PATH", help=DB_HELP)
    parser.add_argument(
        "--allow-registry", metavar="PATTERN", action="append", default=[],
        help="registries scans may pull from, host[:port] with * wildcards (repeatable); "
        "none given: every scan request is refused",
    )  # fmt: skip
    parser.add_argument(
        "--allow-address", metavar="CIDR", action="append", default=[],
        help="internal addresses (loopback, link-local) a registry may resolve to (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--token-file", metavar="FILE", type=Path,
        help="API tokens (hashed; add one with --new-token); required off loopback",
    )  # fmt: skip
    parser.add_argument("--new-token", metavar="NAME", help="add a token to --token-file, print it")
    parser.add_argument("--scope", choices=("read", "write"), default="read",
                        help="the new token's scope: write may request scans")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="scans pulled at once (2)")
    parser.add_argument("--rate-limit", default="50/second", metavar="N/PERIOD",
                        help="requests per token (50/second; e.g. 600/minute)")  # fmt: skip
    parser.add_argument("--max-body", type=int, default=64 * 1024, metavar="BYTES",
                        help="largest request body accepted (65536)")  # fmt: skip
    parser.add_argument("--ca-cert", metavar="FILE", help="extra CA bundle for registries")
    parser.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate")
    parser.add_argument("--tls-key", metavar="FILE", help="... and this private key")


def run(args: argparse.Namespace) -> int:
    from dockwise.server.tokens import new_token

    if args.new_token:
        if not args.token_file:
            raise DockwiseError("--new-token needs --token-file FILE")
        print(new_token(args.token_file, args.new_token, args.scope))
        return 0
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from limits import parse

    from dockwise.fleet.store import open_fleet
    from dockwise.server.app import Settings, create_app
    from dockwise.server.gate import Limits
    from dockwise.server.guard import Guard, networks
    from dockwise.server.tokens import TokenFile

    tokens = TokenFile(Path(args.token_file)) if args.token_file else None
    if tokens is None and not _loopback(args.host):
        raise DockwiseError(f"--host {args.host} is not loopback: give --token-file")
    db = resolve_db_path(args.db)
    if not db.is_file():
        raise DockwiseError(f"{db}: no vulnerability database; run `dockwise db update` first")
    try:
        parse(args.rate_limit)
        guard = Guard(tuple(args.allow_registry), networks(args.allow_address))
    except ValueError as exc:
        raise DockwiseError(f"--rate-limit or --allow-address: {exc}") from None
    _check_tls(args.tls_cert, args.tls_key)
    fleet = open_fleet(args.store)
    app = create_app(Settings(fleet, db, guard), _scans(fleet, db, args),
                     Limits(tokens, args.rate_limit, args.max_body))  # fmt: skip
    print(f"dockwise serve: http{'s' if args.tls_cert else ''}://{args.host}:{args.port}/",
          file=sys.stderr)  # fmt: skip
    uvicorn.run(app, host=args.host, port=args.port, ssl_certfile=args.tls_cert,
                ssl_keyfile=args.tls_key, log_level="info", server_header=False,
                timeout_keep_alive=KEEP_ALIVE)  # fmt: skip
    return 0


def _scans(fleet, db: Path, args: argparse.Namespace):  # noqa: ANN001, ANN202 - Fleet, Scans
    """With PostgreSQL, `dockwise worker` processes do the scans (the queue); with
    SQLite, this process's own thread pool (--workers)."""
    if fleet.backend == "postgresql":
        from dockwise.server.queued import QueuedScans

        return QueuedScans(fleet, args.ca_cert)
    from dockwise.server.scans import Scans

    return Scans(fleet, db, args.workers, args.ca_cert)


def _check_tls(cert: str | None, key: str | None) -> None:
    """Load the pair once now: uvicorn would fail on it with a traceback."""
    if not cert and not key:
        return
    if not (cert and key):
        raise DockwiseError("--tls-cert and --tls-key go together")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise DockwiseError(f"--tls-cert {cert} --tls-key {key}: {exc}") from None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
