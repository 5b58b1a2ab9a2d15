"""Teaching claims: a stable line when they hold, the numbers after "this run:", an error when they do not."""

import re
from pathlib import Path

import pytest

from ganlib.checks import claim, ClaimNotMet

ROOT = Path(__file__).resolve().parent.parent


def test_a_claim_that_holds_prints_a_stable_line_and_the_measured_numbers(capsys):
    claim("the loss falls below half its start", True, measured="1.386 -> 0.412")
    assert capsys.readouterr().out == "✔ the loss falls below half its start\n  this run: 1.386 -> 0.412\n"
    claim("no numbers needed", True)
    assert capsys.readouterr().out == "✔ no numbers needed\n"


def test_a_claim_that_fails_raises_with_the_numbers():
    with pytest.raises(ClaimNotMet, match=r"expected the loss falls below half its start, but this run gave 1.386 -> 1.2"):
        claim("the loss falls below half its start", False, measured="1.386 -> 1.2")
    assert issubclass(ClaimNotMet, AssertionError)


def test_nbval_masks_exactly_the_measured_numbers():
    """The sanitizer rewrites what follows "this run:" and leaves the claim itself to be compared."""
    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text()
    rules = re.findall(r"^regex: (.*)\nreplace: (.*)$", text, re.M)
    output = "✔ a claim\n  this run: 0.123, 4.56\n"
    for pattern, replacement in rules:
        output = re.sub(pattern, replacement, output)
    assert output == "✔ a claim\n  this run: [MEASURED]\n"
