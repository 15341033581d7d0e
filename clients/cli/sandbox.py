"""``handsync act-sandbox …``: a local stand-in for the Act! Web API (docs/act-sandbox.md).

Thin wrapper over ``clients.act_sandbox.server.run``; store errors become ClickException here.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from clients.act_sandbox.server import SandboxConfig, run
from clients.act_sandbox.store import StoreError


@click.group("act-sandbox")
def act_sandbox() -> None:
    """A local Act! Web API stand-in, with Act!'s quirks, to try handsync without Act!.

    \b
    Example:
        HANDSYNC_ACT_PASSWORD=secret handsync act-sandbox serve --data act.sqlite --seed-contacts 500
    """


@act_sandbox.command("serve")
@click.option("--data", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="SQLite file holding the Act! data (created if missing).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8780, show_default=True,
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--database", default="ActDemo", show_default=True,
              help="The Act! database name clients must send in Act-Database-Name.")
@click.option("--user", default="Sam Sandbox", show_default=True,
              help="The Act! user (display name) that may log in.")
@click.option("--password-env", default="HANDSYNC_ACT_PASSWORD", show_default=True,
              metavar="VAR", help="Environment variable holding the user's password.")
@click.option("--seed-contacts", type=click.IntRange(min=0), default=None, metavar="N",
              help="Fill an empty database with N contacts and related records.")
@click.option("--envelope", type=click.Choice(["array", "value"]), default="array",
              show_default=True, envvar="HANDSYNC_ACT_SANDBOX_ENVELOPE",
              help='Collections as a bare JSON array (as Act! answers), or as '
                   '{"value": [...], "Count": n} to test that a client copes with both.')
@click.option("--token-lifetime", type=click.FloatRange(min=0, min_open=True),
              default=65 * 60.0, show_default=True, envvar="HANDSYNC_ACT_SANDBOX_TOKEN_LIFETIME",
              metavar="SECONDS", help="How long a token from /authorize stays valid.")
@click.option("--rate-limit", type=click.IntRange(min=1), default=6000, show_default=True,
              envvar="HANDSYNC_ACT_SANDBOX_RATE_LIMIT", help="Requests allowed per window.")
@click.option("--rate-window", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, metavar="SECONDS", help="Length of the rate-limit window.")
@click.option("--rate-headers/--no-rate-headers", default=True, show_default=True,
              help="Send X-RateLimit-* headers (Act!'s cloud does; self-hosted may not).")
@click.option("--verbose", is_flag=True, help="Log every request to stderr.")
def serve(data: Path, host: str, port: int, database: str, user: str, password_env: str,
          seed_contacts: int | None, envelope: str, token_lifetime: float, rate_limit: int,
          rate_window: float, rate_headers: bool, verbose: bool) -> None:
    """Serve the Act! Web API operations the bridge uses, over SQLite, until SIGTERM or Ctrl-C.

    Clients log in at <url>/authorize with the --user name, the password from the
    environment variable named by --password-env (an empty value is a blank Act! password)
    and the --database name. Prints the URL it listens on.

    \b
    Example:
        export HANDSYNC_ACT_PASSWORD=secret
        handsync act-sandbox serve --data act.sqlite --port 8780 --seed-contacts 10000
    """
    password = os.environ.get(password_env)
    if password is None:
        raise click.ClickException(
            f"the environment variable {password_env} is not set: set it to the password "
            f"the sandbox should accept for {user!r} (or name another with --password-env)")
    config = SandboxConfig(database=database, user=user, password=password,
                           token_lifetime=token_lifetime, envelope=envelope,
                           rate_limit=rate_limit, rate_window=rate_window,
                           rate_headers=rate_headers)
    try:
        run(data, config, host, port, seed_contacts, click.echo, verbose)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:  # the port is taken, the address is not ours, …
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc}") from exc
