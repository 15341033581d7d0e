"""`handsync bridge service`: the task definition and unit file it writes, checked against
their documented schemas, and the exact commands it gives Task Scheduler and systemd,
through a recording runner (nothing is registered on the machine running the tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path, PureWindowsPath

import pytest
from click.testing import CliRunner

from clients.bridge import service
from clients.bridge.runner import BridgeConfig, init_bridge
from clients.bridge.service import Completed, ServiceError, launch_for
from clients.bridge.service.systemd import quote, unit_text
from clients.bridge.service.windows import task_xml, windows_user
from clients.cli import bridge as bridge_cli
from clients.cli.main import cli
from clients.device.home import Device, HomeError
from tests.clients.bridge.schemas import task_problems, unit_problems

WINDOWS_ENV = {"USERNAME": "ann", "USERDOMAIN": "ACME"}
WINDOWS_HOME = r"C:\Users\Ann Lee\AppData\Local\handsync\bridge"
WINDOWS_PYTHON = r"C:\Program Files\Python312\pythonw.exe"


class Recorder:
    """Stands in for schtasks/systemctl: records each argv, answers from a script."""

    def __init__(self, answers: dict[str, Completed] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.answers = answers or {}

    def __call__(self, argv: Sequence[str]) -> Completed:
        self.calls.append(list(argv))
        for verb, answer in self.answers.items():
            if verb in argv:
                return answer
        return Completed(0, "", "")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    export = tmp_path / "contacts.csv"
    export.write_text("Contact ID,First Name,Last Name,Edit Date\r\n", encoding="cp1252")
    init_bridge(tmp_path / "bridge", BridgeConfig(act_csv=str(export)),
                relay="ws://127.0.0.1:9", space="acme", token="hs_unused")
    return tmp_path / "bridge"


# Task Scheduler --------------------------------------------------------------------------------

def test_the_task_definition_follows_the_task_scheduler_schema() -> None:
    launch = launch_for(WINDOWS_HOME, WINDOWS_PYTHON)
    data = task_xml(launch, user=r"ACME\ann", description="handsync bridge").encode("utf-16")
    assert task_problems(data) == []
    text = data.decode("utf-16")
    assert 'xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"' in text
    assert "<Command>C:\\Program Files\\Python312\\pythonw.exe</Command>" in text
    # Windows' quoting: the path with a space is one argument for the C runtime.
    assert ('<Arguments>-m clients.cli bridge run --home "C:\\Users\\Ann Lee\\AppData\\Local'
            '\\handsync\\bridge"</Arguments>') in text
    assert "<LogonType>InteractiveToken</LogonType>" in text
    assert "<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>" in text  # no three-day limit
    assert "<RestartOnFailure>" in text and "<UserId>ACME\\ann</UserId>" in text


@pytest.mark.parametrize(("broken", "problem"), [
    ("<Actions Context=\"Author\">", "needs Actions"),
    ("<Count>255</Count>", "Count '0' is outside"),
    ("<LogonType>InteractiveToken</LogonType>", "LogonType 'Interactive'"),
    ("<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>", "is not an xs:duration"),
    ("<Hidden>false</Hidden>", "Settings may not hold Hiden"),
    ("<Interval>PT5M</Interval>", "outside PT1M..P31D"),
])
def test_the_schema_check_catches_broken_definitions(broken: str, problem: str) -> None:
    text = task_xml(launch_for(WINDOWS_HOME, WINDOWS_PYTHON), user="ann", description="x")
    replacement = {
        "<Actions Context=\"Author\">": "<Actionz>",
        "<Count>255</Count>": "<Count>0</Count>",
        "<LogonType>InteractiveToken</LogonType>": "<LogonType>Interactive</LogonType>",
        "<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>":
            "<ExecutionTimeLimit>0</ExecutionTimeLimit>",
        "<Hidden>false</Hidden>": "<Hiden>false</Hiden>",
        "<Interval>PT5M</Interval>": "<Interval>PT30S</Interval>",
    }[broken]
    assert broken in text
    text = text.replace(broken, replacement).replace("</Actions>", "</Actionz>"
                                                      if broken.startswith("<Actions") else
                                                      "</Actions>")
    assert any(problem in p for p in task_problems(text.encode("utf-16"))), problem
    assert task_problems(text.encode("utf-8"))  # the wrong encoding is caught too


def test_install_on_windows_writes_the_definition_and_registers_it(home: Path) -> None:
    runner = Recorder()
    said = service.install(home, platform="win32", runner=runner, env=WINDOWS_ENV)
    xml = home.resolve() / "service" / "handsync-bridge.xml"
    assert runner.calls == [
        ["schtasks", "/Create", "/TN", "handsync-bridge", "/XML", str(xml), "/F"],
        ["schtasks", "/Run", "/TN", "handsync-bridge"],
    ]
    assert task_problems(xml.read_bytes()) == []
    assert f"--home {home.resolve()}" in xml.read_bytes().decode("utf-16")
    assert any("starts at logon, restarts on failure" in line for line in said)


def test_uninstall_on_windows_ends_deletes_and_keeps_the_home(home: Path) -> None:
    service.install(home, platform="win32", runner=Recorder(), env=WINDOWS_ENV)
    running = Completed(0, '"PC","\\handsync-bridge","N/A","Running","Interactive only",'
                           '"03/12/2026 16:00:00","267009","ACME\\ann","x"\r\n', "")
    runner = Recorder({"/Query": running})
    service.uninstall(home, platform="win32", runner=runner)
    assert runner.calls == [
        ["schtasks", "/Query", "/TN", "handsync-bridge", "/FO", "CSV", "/V", "/NH"],
        ["schtasks", "/End", "/TN", "handsync-bridge"],
        ["schtasks", "/Delete", "/TN", "handsync-bridge", "/F"],
    ]
    assert not (home / "service" / "handsync-bridge.xml").exists()
    assert (home / "bridge.json").exists() and (home / "replica.sqlite").exists()


def test_windows_status_reads_schtasks_and_the_last_pass(home: Path) -> None:
    answer = Completed(0, '"PC","\\handsync-bridge","N/A","Running","Interactive only",'
                          '"03/12/2026 16:00:00","267009","ACME\\ann","x"\r\n', "")
    found = service.status(home, platform="win32", runner=Recorder({"/Query": answer}))
    assert found["installed"] is True and found["running"] is True
    assert found["last_run"] == "03/12/2026 16:00:00" and found["last_result"] == "267009"
    assert found["passes"] == 0 and found["last_act_poll"] is None
    assert found["home_in_use"] is False
    missing = Completed(1, "", "ERROR: The system cannot find the file specified.\r\n")
    gone = service.status(home, platform="win32", runner=Recorder({"/Query": missing}))
    assert gone["installed"] is False and gone["running"] is False


def test_a_failing_schtasks_is_a_clear_error(home: Path) -> None:
    refused = Completed(1, "", "ERROR: Access is denied.\r\n")
    with pytest.raises(ServiceError, match=r"schtasks /Create .* failed \(exit 1\): "
                                           r"ERROR: Access is denied"):
        service.install(home, platform="win32", runner=Recorder({"/Create": refused}),
                        env=WINDOWS_ENV)
    missing = Completed(1, "", "ERROR: The system cannot find the file specified.\r\n")
    with pytest.raises(ServiceError, match="no task 'handsync-bridge' to remove"):
        service.uninstall(home, platform="win32", runner=Recorder({"/Query": missing}))


def test_the_windows_user_comes_from_logon_variables() -> None:
    assert windows_user({"USERNAME": "ann", "USERDOMAIN": "ACME"}) == "ACME\\ann"
    assert windows_user({"USERNAME": "ann"}) == "ann"
    with pytest.raises(ServiceError, match="USERNAME is not set"):
        windows_user({})


# systemd ---------------------------------------------------------------------------------------

def test_the_unit_follows_systemds_documented_keys(tmp_path: Path) -> None:
    launch = launch_for("/home/ann/hs bridge/100%", "/usr/bin/python3")
    text = unit_text(launch, description="handsync bridge for /home/ann/hs bridge/100%",
                     env_file="/home/ann/x/service.env")
    assert unit_problems(text) == []
    assert "Description=handsync bridge for /home/ann/hs bridge/100%%\n" in text
    assert "Restart=on-failure" in text and "WantedBy=default.target" in text
    assert ('ExecStart=/usr/bin/python3 -m clients.cli bridge run --home '
            '"/home/ann/hs bridge/100%%"') in text
    assert unit_problems(text.replace("Restart=on-failure", "Restart=sometimes"))
    assert unit_problems(text.replace("[Install]", "[Instal]"))
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not on this machine (the documented checks ran)")
    unit = tmp_path / "handsync-bridge.service"
    unit.write_text(text.replace("/usr/bin/python3", shutil.which("python3") or "/bin/true"))
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, "")


def test_execstart_words_are_quoted_as_systemd_reads_them() -> None:
    assert quote("/usr/bin/python3") == "/usr/bin/python3"
    assert quote("/a b") == '"/a b"'
    assert quote('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert quote("$HOME%") == "$$HOME%%"


def test_install_on_linux_writes_the_unit_and_enables_it(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    runner = Recorder()
    service.install(home, platform="linux", runner=runner, python="/usr/bin/python3")
    unit = tmp_path / "config" / "systemd" / "user" / "handsync-bridge.service"
    assert runner.calls == [["systemctl", "--user", "daemon-reload"],
                            ["systemctl", "--user", "enable", "--now",
                             "handsync-bridge.service"]]
    text = unit.read_text()
    assert unit_problems(text) == []
    assert f"--home {home.resolve()}" in text
    assert f"EnvironmentFile=-{home.resolve() / 'service.env'}" in text

    runner = Recorder()
    service.uninstall(home, platform="linux", runner=runner)
    assert runner.calls == [["systemctl", "--user", "disable", "--now",
                             "handsync-bridge.service"],
                            ["systemctl", "--user", "daemon-reload"]]
    assert not unit.exists()
    with pytest.raises(ServiceError, match=r"no unit .* to remove"):
        service.uninstall(home, platform="linux", runner=Recorder())


def test_linux_status_reads_systemctl_show_and_sees_the_home_in_use(home: Path) -> None:
    shown = Completed(0, "LoadState=loaded\nActiveState=active\nSubState=running\n"
                         "UnitFileState=enabled\nNRestarts=2\nExecMainStartTimestamp="
                         "Thu 2026-12-03 16:00:00 UTC\n", "")
    runner = Recorder({"show": shown})
    with Device(home):  # what a running bridge holds
        found = service.status(home, platform="linux", runner=runner)
    assert runner.calls == [["systemctl", "--user", "show", "handsync-bridge.service",
                             "--property=LoadState,ActiveState,SubState,UnitFileState,"
                             "NRestarts,ExecMainStartTimestamp"]]
    assert found["running"] is True and found["state"] == "active (running)"
    assert found["restarts"] == 2 and found["home_in_use"] is True
    assert found["log"] == str(home / "logs" / "bridge.log")


# bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("verb", ["install", "uninstall", "status"])
def test_a_folder_without_a_bridge_is_refused_before_anything_runs(
    verb: str, tmp_path: Path
) -> None:
    runner = Recorder()
    with pytest.raises(HomeError, match="is not a bridge home"):
        getattr(service, verb)(tmp_path / "none", platform="win32", runner=runner)
    assert runner.calls == []
    assert not (tmp_path / "none").exists()


def test_bad_names_and_unsupported_systems_are_refused(home: Path) -> None:
    runner = Recorder()
    with pytest.raises(ServiceError, match="service name"):
        service.install(home, name="bridge /delete", platform="win32", runner=runner)
    with pytest.raises(ServiceError, match="no service support on this system"):
        service.install(home, platform="darwin", runner=runner)
    assert runner.calls == [] and not (home / "service").exists()


def test_a_missing_service_manager_is_a_clear_error() -> None:
    with pytest.raises(ServiceError, match="'no-such-schtasks' is not on this computer"):
        service.run_command(["no-such-schtasks", "/Query"])


def test_windows_paths_make_one_argument_each() -> None:
    launch = launch_for(WINDOWS_HOME, WINDOWS_PYTHON)
    assert PureWindowsPath(launch.directory).parts[-2:] == ("handsync", "bridge")
    assert subprocess.list2cmdline(launch.arguments).count('"') == 2


# the commands ----------------------------------------------------------------------------------

def test_the_service_commands_through_the_cli(home: Path, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    runner = Recorder({"show": Completed(0, "LoadState=loaded\nActiveState=inactive\n"
                                            "SubState=dead\n", "")})
    monkeypatch.setattr(bridge_cli, "SERVICE_PLATFORM", "linux")
    monkeypatch.setattr(bridge_cli, "SERVICE_RUNNER", runner)
    cli_runner = CliRunner()
    done = cli_runner.invoke(cli, ["bridge", "service", "install", "--home", str(home)])
    assert done.exit_code == 0, done.output
    assert "enabled and started handsync-bridge.service" in done.output
    done = cli_runner.invoke(cli, ["bridge", "service", "status", "--home", str(home), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["running"] is False
    done = cli_runner.invoke(cli, ["bridge", "service", "install", "--home",
                                   str(tmp_path / "none")])
    assert done.exit_code == 1 and "is not a bridge home" in done.output
    assert len(runner.calls) == 3


def test_the_services_command_line_starts_the_bridge_command(home: Path) -> None:
    launch = launch_for(str(home), sys.executable)
    done = subprocess.run([launch.program, *launch.arguments, "--help"], capture_output=True,
                          text=True, timeout=60, cwd=launch.directory)
    assert done.returncode == 0, done.stderr
    assert "Usage: handsync bridge run" in done.stdout


def test_windows_runs_pythonw_when_it_is_there(home: Path, tmp_path: Path) -> None:
    scripts = tmp_path / "Scripts"
    scripts.mkdir()
    (scripts / "python.exe").touch()
    runner = Recorder()
    service.install(home, platform="win32", runner=runner, env=WINDOWS_ENV,
                    python=str(scripts / "python.exe"))
    text = (home / "service" / "handsync-bridge.xml").read_bytes().decode("utf-16")
    assert f"<Command>{scripts / 'python.exe'}</Command>" in text
    (scripts / "pythonw.exe").touch()
    service.install(home, platform="win32", runner=runner, env=WINDOWS_ENV,
                    python=str(scripts / "python.exe"))
    text = (home / "service" / "handsync-bridge.xml").read_bytes().decode("utf-16")
    assert f"<Command>{scripts / 'pythonw.exe'}</Command>" in text


def test_a_unit_folder_that_cannot_be_made_is_a_clear_error(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "config").write_text("a file where a folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    runner = Recorder()
    with pytest.raises(ServiceError, match=r"cannot write .*handsync-bridge\.service"):
        service.install(home, platform="linux", runner=runner)
    assert runner.calls == []
    assert (tmp_path / "config").read_text() == "a file where a folder should be"


def test_a_task_that_starts_at_boot_follows_the_schema_and_runs_without_a_logon() -> None:
    launch = launch_for(WINDOWS_HOME, WINDOWS_PYTHON)
    data = task_xml(launch, user=r"ACME\ann", description="handsync bridge",
                    start="boot").encode("utf-16")
    assert task_problems(data) == []
    text = data.decode("utf-16")
    assert "<BootTrigger>" in text and "<LogonTrigger>" not in text
    assert "<LogonType>S4U</LogonType>" in text  # no password stored, nobody logged on
    assert "<UserId>ACME\\ann</UserId>" in text and "<RestartOnFailure>" in text


def test_starting_at_boot_on_linux_turns_lingering_on(
        home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    runner = Recorder()
    said = service.install(home, platform="linux", runner=runner, python="/usr/bin/python3",
                           start="boot")
    assert runner.calls == [["systemctl", "--user", "daemon-reload"],
                            ["systemctl", "--user", "enable", "--now",
                             "handsync-bridge.service"],
                            ["loginctl", "enable-linger"]]
    assert any("starts at boot" in line for line in said)


def test_an_unknown_start_is_refused_before_anything_runs(home: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    runner = Recorder()
    with pytest.raises(ServiceError, match="start 'reboot'"):
        service.install(home, platform="win32", runner=runner, env=WINDOWS_ENV, start="reboot")
    monkeypatch.setattr(bridge_cli, "SERVICE_PLATFORM", "win32")
    monkeypatch.setattr(bridge_cli, "SERVICE_RUNNER", runner)
    done = CliRunner().invoke(cli, ["bridge", "service", "install", "--home", str(home),
                                    "--start", "reboot"])
    assert done.exit_code == 2 and "'reboot' is not one of" in done.output
    assert runner.calls == []
    assert not (home / "service").exists()
