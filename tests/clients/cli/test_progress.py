"""The sync progress bar shows on a terminal for big batches and stays quiet otherwise."""

from __future__ import annotations

import pytest

from clients.cli.device import RecordsBar


def test_bar_shows_for_a_large_batch_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    bar = RecordsBar(enabled=True)
    for done in (0, 500, 1000, 1500, 2000):
        bar.update(done, 2000)
    # click draws the moving bar only on a real terminal; captured, it prints the label.
    assert "applying received records" in capsys.readouterr().err
    assert bar._bar is None  # finished and closed at 100%


@pytest.mark.parametrize(("enabled", "total"), [(False, 5000), (True, 10)])
def test_bar_stays_quiet_when_piped_or_small(capsys: pytest.CaptureFixture[str],
                                             enabled: bool, total: int) -> None:
    bar = RecordsBar(enabled=enabled)
    bar.update(total, total)
    bar.close()
    assert capsys.readouterr().err == ""
