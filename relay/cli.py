"""``handsync relay …``: run the relay and manage its spaces and tokens.

Every command takes ``--data DIR`` (default ``$HANDSYNC_RELAY_DATA``). ``serve``
reads its settings from options, ``HANDSYNC_RELAY_*`` environment variables, or a
TOML file given with ``--config`` (options win, then the environment, then the
file); docs/operations.md lists them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import sys
import time
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import click

from engine.errors import HandsyncError
from relay.config import RelayConfig
from relay.group import HandsyncGroup
from relay.store import RelayStore
from relay.workers import compact_space

_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _now() -> int:
    return int(time.time() * 1000)


def parse_duration(text: str) -> int:
    """'90s', '15m', '12h', '30d', '2w' → milliseconds; BadParameter otherwise."""
    match = _DURATION.match(text.strip())
    if not match or int(match[1]) == 0:
        raise click.BadParameter(f"{text!r} is not a duration like 30m, 12h, 30d or 2w")
    return int(match[1]) * _UNITS[match[2]] * 1000


def _store(data: Path) -> RelayStore:
    return RelayStore(data)


def _load_toml(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Load a TOML file's [relay] table (or top level) as defaults for ``serve``."""
    if value is None:
        return None
    try:
        with open(value, "rb") as handle:
            doc = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise click.BadParameter(f"cannot read {value}: {exc}") from exc
    table = doc.get("relay", doc)
    ctx.default_map = {**(ctx.default_map or {}),
                       **{str(k).replace("-", "_"): v for k, v in table.items()}}
    return value


data_option = click.option(
    "--data", type=click.Path(file_okay=False, path_type=Path), envvar="HANDSYNC_RELAY_DATA",
    required=True, help="Relay data directory (env HANDSYNC_RELAY_DATA).")


@click.group(cls=HandsyncGroup)
def relay() -> None:
    """Run the relay and manage its spaces and tokens.

    \b
    Example:
        handsync relay space create acme --data /srv/handsync
    """


@relay.command()
@click.option("--config", type=click.Path(dir_okay=False), callback=_load_toml,
              is_eager=True, expose_value=False, help="TOML file with settings.")
@data_option
@click.option("--host", default="127.0.0.1", envvar="HANDSYNC_RELAY_HOST", show_default=True)
@click.option("--port", default=8765, type=int, envvar="HANDSYNC_RELAY_PORT", show_default=True)
@click.option("--max-frame", default=64 * 1024 * 1024, type=int,
              envvar="HANDSYNC_RELAY_MAX_FRAME", show_default=True,
              help="Largest WebSocket frame accepted, in bytes.")
@click.option("--rate", default=2000.0, type=float, envvar="HANDSYNC_RELAY_RATE",
              show_default=True, help="Messages per second allowed per connection.")
@click.option("--max-connections", default=10000, type=int,
              envvar="HANDSYNC_RELAY_MAX_CONNECTIONS", show_default=True)
@click.option("--compact-entries", default=10000, type=int,
              envvar="HANDSYNC_RELAY_COMPACT_ENTRIES", show_default=True,
              help="Compact a space when its log holds this many updates.")
@click.option("--max-db-mb", default=0.0, type=click.FloatRange(min=0),
              envvar="HANDSYNC_RELAY_MAX_DB_MB", show_default=True,
              help="Refuse updates that would grow the store past this size (0: no limit).")
@click.option("--max-skew", default=300.0, type=click.FloatRange(min=1.0),
              envvar="HANDSYNC_RELAY_MAX_SKEW", show_default=True,
              help="Seconds an edit may be stamped past the relay's time (later: refused).")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              envvar="HANDSYNC_RELAY_TLS_CERT", help="Certificate (PEM) for wss://.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              envvar="HANDSYNC_RELAY_TLS_KEY", help="Private key (PEM) for wss://.")
def serve(data: Path, host: str, port: int, max_frame: int, rate: float,
          max_connections: int, compact_entries: int, max_db_mb: float, max_skew: float,
          tls_cert: Path | None, tls_key: Path | None) -> None:
    """Run the relay until SIGTERM or SIGINT.

    \b
    Example:
        handsync relay serve --data /srv/handsync --host 0.0.0.0 --port 8765
    """
    from relay.server import RelayServer

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    config = RelayConfig(data, host=host, port=port, max_frame=max_frame, rate=rate,
                         burst=max(rate * 5, 1), max_connections=max_connections,
                         compact_entries=compact_entries, max_skew=max_skew,
                         tls_cert=tls_cert, tls_key=tls_key,
                         max_db_bytes=int(max_db_mb * 1024 * 1024))
    try:
        server = RelayServer(config)
        asyncio.run(server.serve_forever())
    except OSError as exc:  # the port is taken, the address is not this machine's, …
        raise click.ClickException(str(exc)) from exc


@relay.group()
def space() -> None:
    """Create and list spaces (one space = one Act! database).

    \b
    Example:
        handsync relay space create acme --data /srv/handsync
    """


@space.command("create")
@click.argument("name")
@click.option("--locale", default=None, metavar="TAG",
              help="Language whose conventions order names: a BCP 47 tag such as de, sv "
                   "or de-u-co-phonebk (default: root, the Unicode default order).")
@data_option
def space_create(name: str, locale: str | None, data: Path) -> None:
    """Create a space.

    With --locale, the space's first update sets its locale; every device takes it
    with its next sync and orders names by it.

    \b
    Example:
        handsync relay space create acme --locale de --data /srv/handsync
    """
    from engine.space import settings_update

    try:
        # Checked before anything is written: an unknown locale creates no space.
        update = None if locale is None else settings_update(
            locale, client_id=secrets.randbits(32))
    except HandsyncError as exc:
        raise click.BadParameter(str(exc), param_hint="--locale") from exc
    store = _store(data)
    try:
        store.create_space(name, _now())
        if update is not None:
            store.append([(name, update, "relay")], _now())
    finally:
        store.close()
    click.echo(f"space {name} created" + (f" (locale {locale.strip()})" if locale else ""))


@relay.group()
def token() -> None:
    """Issue, list and revoke device tokens.

    \b
    Example:
        handsync relay token issue acme --device anns-phone --data /srv/handsync
    """


_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _check_link_base(_ctx: click.Context, _param: click.Parameter,
                     value: str | None) -> str | None:
    """Check --link before anything is issued: an http(s) address with a host, nothing else."""
    if value is None:
        return None
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a URL: {exc}") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise click.BadParameter(
            f"{value!r} is not the relay's web address: give one like https://relay.example.com")
    if parts.username is not None or parts.password is not None:
        raise click.BadParameter(f"{value!r} carries a user name or password: leave them out")
    if parts.query or parts.fragment:
        raise click.BadParameter(f"{value!r} has a query or fragment: give only the address")
    return value.strip()


def app_link(base: str, space: str, token: str) -> str:
    """``BASE/app/#space=…&token=…``: the link that enrols a device in ``space``."""
    root = base.rstrip("/").removesuffix("/app")
    return f"{root}/app/#" + urlencode({"space": space, "token": token}, quote_via=quote)


@token.command("issue")
@click.argument("space_name", metavar="SPACE")
@click.option("--device", required=True, help="Name of the device the token is for.")
@click.option("--read-only", is_flag=True, help="The device may read but not write.")
@click.option("--expires", help="Lifetime such as 30d, 12h or 2w (default: never).")
@click.option("--link", "link_base", metavar="URL", callback=_check_link_base,
              help="The relay's address as phones reach it (https://relay.example.com): "
                   "print an app link carrying the space and token, and a QR code of it "
                   "on a terminal.")
@data_option
def token_issue(space_name: str, device: str, read_only: bool, expires: str | None,
                link_base: str | None, data: Path) -> None:
    """Issue a token and print it once (only its hash is kept).

    With --link, print instead the app link that enrols a phone or tablet: the
    space and token travel in the link's fragment (after #), which the browser never
    sends to any server. On a terminal a QR code of the link follows, to scan with
    the phone's camera.

    \b
    Example:
        handsync relay token issue acme --device anns-phone --expires 90d --data /srv/handsync
        handsync relay token issue acme --device anns-phone --link https://relay.example.com \\
            --data /srv/handsync
    """
    now = _now()
    expires_ms = now + parse_duration(expires) if expires else None
    store = _store(data)
    try:
        issued, text = store.issue_token(space_name, device, now, read_only=read_only,
                                         expires_ms=expires_ms)
    finally:
        store.close()
    if link_base is None:
        click.echo(text)
        click.echo(f"token {issued.id} for {device} in {space_name}: shown once, keep it safe",
                   err=True)
        return
    link = app_link(link_base, space_name, text)
    click.echo(link)
    if sys.stdout.isatty():  # a QR code only for a person, never into a file or pipe
        import segno

        segno.make(link, error="m").terminal(out=sys.stdout, compact=True)
    click.echo(f"token {issued.id} for {device} in {space_name}: the link carries it and is "
               "shown once; open it on the device or scan the code", err=True)
    if urlsplit(link_base).scheme == "http" and urlsplit(link_base).hostname not in _LOOPBACK:
        click.echo("warning: over http:// a phone's browser will not keep the app for offline "
                   "use; give the relay an https:// address (docs/operations.md, TLS)", err=True)


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


@token.command("list")
@click.argument("space_name", metavar="SPACE")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_option
def token_list(space_name: str, as_json: bool, data: Path) -> None:
    """List a space's tokens (never their secrets).

    \b
    Example:
        handsync relay token list acme --data /srv/handsync
    """
    store = _store(data)
    try:
        rows = [{"id": t.id, "device": t.device, "read_only": t.read_only,
                 "created": _iso(t.created_ms), "expires": _iso(t.expires_ms),
                 "revoked": _iso(t.revoked_ms),
                 "valid": t.valid_at(_now())} for t in store.tokens(space_name)]
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "valid" if row["valid"] else ("revoked" if row["revoked"] else "expired")
        mode = "read-only" if row["read_only"] else "read-write"
        click.echo(f"{row['id']}  {row['device']:<20} {mode:<10} {state}"
                   + (f" (expires {row['expires']})" if row["expires"] else ""))


@token.command("revoke")
@click.argument("token_id")
@data_option
def token_revoke(token_id: str, data: Path) -> None:
    """Revoke a token; a running relay closes its connections within a second.

    \b
    Example:
        handsync relay token revoke 3f9a1c2b7d4e --data /srv/handsync
    """
    store = _store(data)
    try:
        revoked = store.revoke_token(token_id, _now())
    finally:
        store.close()
    click.echo(f"token {revoked.id} ({revoked.device}) revoked")


@relay.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_option
def stats(as_json: bool, data: Path) -> None:
    """Show each space's log, snapshot, disk use and devices.

    \b
    Example:
        handsync relay stats --json --data /srv/handsync
    """
    store = _store(data)
    try:
        report = _stats(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"store: {report['bytes_on_disk']} bytes on disk")
    for name, info in report["spaces"].items():
        click.echo(f"{name}: {info['connected']} connected, head {info['head']}, log {info['log_entries']} updates "
                   f"({info['log_bytes']} bytes), snapshot {info['snapshot_bytes']} bytes")
        for dev in info["devices"]:
            click.echo(f"  {dev['device']:<20} last seen {dev['last_seen']}, "
                       f"{dev['behind']} updates behind")


def _stats(store: RelayStore) -> dict[str, Any]:
    disk = sum(p.stat().st_size for p in store.data_dir.glob("relay.sqlite*"))
    spaces: dict[str, Any] = {}
    for name in store.spaces():
        entries, size, snap = store.log_stats(name)
        head = store.head(name)
        spaces[name] = {
            "head": head, "connected": store.connected(name), "log_entries": entries, "log_bytes": size, "snapshot_bytes": snap,
            "devices": [{"device": d, "last_seen": _iso(seen), "cursor": cursor,
                         "behind": max(0, head - cursor)} for d, seen, cursor in
                        store.devices(name)],
        }
    return {"bytes_on_disk": disk, "spaces": spaces}


@relay.command()
@click.argument("space_name", metavar="SPACE", required=False)
@data_option
def compact(space_name: str | None, data: Path) -> None:
    """Fold the update log into the snapshot now (all spaces, or one).

    \b
    Example:
        handsync relay compact acme --data /srv/handsync
    """
    store = _store(data)
    try:
        names = [space_name] if space_name else store.spaces()
        for name in names:
            if not store.space_exists(name):
                raise click.ClickException(f"no such space: {name}")
            folded, size = compact_space(store, name, None)
            click.echo(f"{name}: folded {folded} updates into a {size}-byte snapshot")
    finally:
        store.close()
