"""Command-line arguments out of range are usage errors (exit 2) with a message, never a
traceback (issue 9 §4): `sim --port 70000` raised OverflowError from bind()."""

from __future__ import annotations

import pytest

from focusguard.cli import main


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["sim", "--port", "70000"], "'70000' is not a port (use 0 to 65535)"),
        (["sim", "--port", "-1"], "is not a port"),
        (["sim", "--port", "٣"], "is not a port"),  # a digit int() reads, but no port
        (["demo", "--duration", "nan"], "'nan' is not a positive number of seconds"),
        (["demo", "--duration", "-5"], "is not a positive number of seconds"),
        (["focus", "start", "99999999999999h"], "focus lasts between 1 minute and 24 hours"),
        (["focus", "start", "9" * 5000], "is not a duration"),
        (["focus", "start", "²"], "is not a duration"),  # isdigit() but not for int()
        (["focus", "start", "0m"], "focus lasts between 1 minute and 24 hours"),
    ],
)
def test_out_of_range_arguments_are_usage_errors(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
