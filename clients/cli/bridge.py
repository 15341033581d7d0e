"""``handsync bridge …``: the PC bridge between Act! and the space."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from clients.bridge import service as services
from clients.bridge.logs import BridgeLog
from clients.bridge.runner import (
    DEFAULT_INTERVAL,
    Bridge,
    BridgeConfig,
    init_bridge,
    load_config,
    password_hint,
    read_status,
    summary,
)
from clients.bridge.service import DEFAULT_NAME, Runner, run_command
from clients.device.home import default_home
from clients.stop import nap, on_stop
from engine.errors import HandsyncError


def _bridge_home(func: Any) -> Any:
    return click.option(
        "--home", type=click.Path(file_okay=False, path_type=Path),
        default=lambda: os.environ.get("HANDSYNC_BRIDGE_HOME") or str(default_home() / "bridge"),
        show_default="$HANDSYNC_BRIDGE_HOME, else ~/.local/share/handsync/bridge or, "
        "on Windows, %LOCALAPPDATA%\\handsync\\bridge",
        help="The bridge home folder.")(func)


def _say(line: str) -> None:
    click.echo(line, err=True)


@click.group()
def bridge() -> None:
    """Mirror an Act! database into the space and back (run it on the Act! PC).

    \b
    Example:
        handsync bridge init --home ~/bridge --act-url http://127.0.0.1:8780/act.web.api \\
            --database ActDemo --user "Sam Sandbox" --password-env HANDSYNC_ACT_PASSWORD \\
            --relay ws://127.0.0.1:8765 --space acme --token hs_…
        handsync bridge run --home ~/bridge
    """


@bridge.command("init")
@_bridge_home
@click.option("--act-url", help="The Act! Web API root, e.g. https://server/act.web.api.")
@click.option("--database", help="The Act! database name (sent as Act-Database-Name).")
@click.option("--user", help="The Act! user's display name, as Act! shows it.")
@click.option("--password-env", default="HANDSYNC_ACT_PASSWORD", show_default=True,
              help="The environment variable that holds the Act! password.")
@click.option("--act-csv", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV mode instead of the Web API: an Act! text-delimited contact export "
                   "(an import file for Act! is written beside it).")
@click.option("--relay", required=True, help="The relay's base URL: ws://host:port or wss://…")
@click.option("--space", required=True, help="The space (one Act! database).")
@click.option("--token", required=True, help="The bridge's token from the relay admin.")
@click.option("--interval", default=DEFAULT_INTERVAL, show_default=True, type=int,
              help="Seconds between passes of 'bridge run'.")
@click.option("--sweep-every", default=1, show_default=True, type=int,
              help="Look for records deleted in Act! every N passes (Act! has no delete feed, "
                   "so this lists every id).")
@click.option("--page-size", default=1000, show_default=True, type=int,
              help="Records per Act! request (at most 5000).")
@click.option("--act-time-zone", metavar="ZONE",
              help="The Act! server's time zone (e.g. Europe/Berlin), for the activity "
                   "times Act! keeps in it (default: they are UTC).")
def bridge_init(home: Path, act_url: str | None, database: str | None, user: str | None,
                password_env: str, act_csv: Path | None, relay: str, space: str, token: str,
                interval: int, sweep_every: int, page_size: int,
                act_time_zone: str | None) -> None:
    """Create a bridge home: a replica of the space plus the Act! settings.

    The password is never stored: --password-env names the variable that holds it
    when the bridge runs.

    \b
    Example:
        handsync bridge init --home ~/bridge --act-url https://crm.example.com/act.web.api \\
            --database ActDemo --user "Sam Sandbox" --relay wss://relay.example.com \\
            --space acme --token hs_3f9a…
    """
    config = BridgeConfig(act_url=act_url, database=database, user=user,
                          password_env=password_env,
                          act_csv=str(act_csv.resolve()) if act_csv else None,
                          interval=interval, sweep_every=sweep_every, page_size=page_size,
                          act_time_zone=act_time_zone)
    init_bridge(home, config, relay=relay, space=space, token=token)
    click.echo(f"bridge ready in {home}; mirror once with: handsync bridge once --home {home}")
    hint = password_hint(config)
    if hint:
        click.echo(hint, err=True)


@bridge.command("once")
@_bridge_home
@click.option("--json", "as_json", is_flag=True, help="Print what moved as JSON.")
def bridge_once(home: Path, as_json: bool) -> None:
    """Mirror once, both ways, and sync with the relay.

    \b
    Example:
        handsync bridge once --home ~/bridge
    """
    _pass(home, as_json, dry_run=False)


@bridge.command("review")
@_bridge_home
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def bridge_review(home: Path, as_json: bool) -> None:
    """Dry run: count what the next pass would move each way, changing nothing in Act!.

    \b
    Example:
        handsync bridge review --home ~/bridge
    """
    _pass(home, as_json, dry_run=True)


def _pass(home: Path, as_json: bool, *, dry_run: bool) -> None:
    with Bridge(home, progress=_say) as b:
        tally = b.review() if dry_run else b.once()
    if as_json:
        click.echo(json.dumps(tally.to_dict(), indent=2))
    else:
        click.echo(("would move " if dry_run else "") + summary(tally))


@bridge.command("run")
@_bridge_home
@click.option("--interval", type=int, help="Seconds between passes (default: the home's, "
              f"{DEFAULT_INTERVAL} unless set at init).")
def bridge_run(home: Path, interval: int | None) -> None:
    """Mirror now and then every --interval seconds, until stopped (Ctrl-C, Ctrl-Break on
    Windows, SIGTERM). What it says also goes to logs/bridge.log in the home (rotated).

    \b
    Example:
        handsync bridge run --home ~/bridge --interval 300
    """
    if interval is not None and interval < 10:
        raise click.BadParameter("at least 10 seconds", param_hint="--interval")
    load_config(home)  # a clear error before a log folder appears in a wrong place
    with BridgeLog(home) as log:
        def say(line: str) -> None:
            log.write(line)  # first: a stop right after the echo still finds it logged
            _say(line)

        def stop() -> None:
            raise KeyboardInterrupt

        with on_stop(stop):
            try:
                opened = Bridge(home, progress=say)
            except HandsyncError as exc:  # e.g. the home is busy: the log says so
                log.write(f"bridge could not start: {exc}")
                raise
            with opened as b:
                say(f"bridge running: a pass every {interval or b.config.interval} s; "
                    "Ctrl-C stops")
                try:
                    b.run(interval=interval, sleep=nap)
                except KeyboardInterrupt:
                    say("bridge stopped")


@bridge.command("status")
@_bridge_home
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def bridge_status(home: Path, as_json: bool) -> None:
    """Last Act! poll, last relay sync, what moved, and the last error (also while the
    bridge is running in another process).

    \b
    Example:
        handsync bridge status --home ~/bridge
    """
    status = read_status(home)  # no lock: it works while 'bridge run' is running
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    for key, value in status.items():
        if isinstance(value, dict | list):
            value = json.dumps(value) if value else "-"
        click.echo(f"{key:>20}: {'-' if value is None else value}")
    sys.stdout.flush()


# `handsync bridge service …` ------------------------------------------------------------------

#: What the service commands run through; tests replace them (nothing is ever registered).
SERVICE_PLATFORM = sys.platform
SERVICE_RUNNER: Runner = run_command


def _service_name(func: Any) -> Any:
    return click.option("--name", default=DEFAULT_NAME, show_default=True,
                        help="The task's (Windows) or unit's (Linux) name.")(func)


@bridge.group("service")
def service() -> None:
    """Keep the bridge running on this PC: a Task Scheduler task on Windows, a systemd user
    unit on Linux; started at logon (or boot) and restarted when it fails.

    \b
    Example:
        handsync bridge service install --home ~/bridge
        handsync bridge service status --home ~/bridge
    """


@service.command("install")
@_bridge_home
@_service_name
@click.option("--start", type=click.Choice(services.STARTS), default="logon", show_default=True,
              help="logon: when you log on. boot: when the PC starts, nobody logged on "
                   "(Windows: from an administrator's prompt).")
def service_install(home: Path, name: str, start: str) -> None:
    """Register 'bridge run' for this home with the PC's service manager and start it
    (installing again replaces the earlier registration).

    \b
    Example:
        handsync bridge service install --home ~/bridge
        handsync bridge service install --home ~/bridge --start boot
    """
    config = load_config(home)
    done = services.install(home, name=name, platform=SERVICE_PLATFORM,
                            runner=SERVICE_RUNNER, start=start)
    for line in done:
        click.echo(line)
    if config.act_csv is None:
        click.echo(f"note: the service reads the Act! password from {config.password_env} "
                   "in its own environment; docs/bridge.md says where to set it", err=True)


@service.command("uninstall")
@_bridge_home
@_service_name
def service_uninstall(home: Path, name: str) -> None:
    """Stop the service and unregister it; the bridge home and its data stay.

    \b
    Example:
        handsync bridge service uninstall --home ~/bridge
    """
    load_config(home)
    done = services.uninstall(home, name=name, platform=SERVICE_PLATFORM,
                              runner=SERVICE_RUNNER)
    for line in done:
        click.echo(line)


@service.command("status")
@_bridge_home
@_service_name
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def service_status(home: Path, name: str, as_json: bool) -> None:
    """Whether the service is registered and running, the bridge's last pass and last
    error, and where its log is.

    \b
    Example:
        handsync bridge service status --home ~/bridge
    """
    load_config(home)
    found = services.status(home, name=name, platform=SERVICE_PLATFORM,
                            runner=SERVICE_RUNNER)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for key, value in found.items():
        if isinstance(value, dict | list):
            value = json.dumps(value) if value else "-"
        click.echo(f"{key:>16}: {'-' if value is None else value}")
