"""Every number that prose quotes from a run is printed by a cell of the same notebook.

A markdown cell that quotes a percentage ("88%") or a figure with one decimal ("1.5") must find it in the
notebook's outputs: as written, or as a fraction that rounds to it (88% ~ 0.882, 1.2% ~ 0.012). Numbers
that cannot come from a run are left out: maths between $...$, section numbers (§3.2, "### 2.1"), and
bounds ("at least 90%", "under 25%"), which a notebook asserts with ganlib.checks.claim. The few
definitions and facts quoted from elsewhere are listed in ALLOWED with the reason.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
QUOTED = re.compile(r"(?<![\w.§])(\d+(?:\.\d+)?)\s?(%)|(?<![\w.§])(\d+\.\d)(?![\d.])")
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
BOUND = re.compile(r"(at least|at most|over|under|below|above|more than|less than|fewer than|within|up to|[<>≤≥])\s*(about\s*)?$")

ALLOWED = {
    "02": {"0.1%": "n/(n-1) = 1000/999 for n = 1000: arithmetic, not a run"},
    "07": {"99%": "the definition of a near-copy (the 1st percentile of real distances)",
           "1%": "the same definition: the share of real digits it flags by construction",
           "98.6%": "the evaluation classifier's validation accuracy, stored with its checkpoint"},
}


def output_numbers(cells: list[dict]) -> tuple[str, list[float]]:
    text = ""
    for cell in cells:
        for output in cell.get("outputs", []):
            text += "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
    return text, [float(n.replace(",", "")) for n in NUMBER.findall(text)]


def printed(quote: str, percent: bool, text: str, numbers: list[float]) -> bool:
    if (quote + "%" if percent else quote) in text.replace(" %", "%"):
        return True
    value, decimals = float(quote), len(quote.partition(".")[2])
    candidates = [n * 100 for n in numbers] + numbers if percent else numbers
    return any(round(c, decimals) == value for c in candidates)


def unprinted_quotes(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    text, numbers = output_numbers(cells)
    allowed = ALLOWED.get(path.name[:2], {})
    missing = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        prose = MATH.sub(" ", "".join(cell["source"]))
        prose = "\n".join(line for line in prose.splitlines() if not line.lstrip().startswith("#"))
        for match in QUOTED.finditer(prose):
            quote, percent = (match.group(1), True) if match.group(1) else (match.group(3), False)
            shown = quote + ("%" if percent else "")
            if shown in allowed or BOUND.search(prose[max(0, match.start() - 20): match.start()]):
                continue
            if not printed(quote, percent, text, numbers):
                context = prose[max(0, match.start() - 60): match.end() + 20].replace("\n", " ")
                missing.append(f"cell {index}: {shown!r} in '...{context}...'")
    return missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_prose_quotes_only_numbers_the_notebook_prints(path):
    missing = unprinted_quotes(path)
    assert not missing, (f"{path.name}: prose quotes numbers that no output of the notebook prints; print them, "
                         "state them as an asserted bound, or list a definition in ALLOWED:\n" + "\n".join(missing))


def test_the_check_catches_a_stale_number(tmp_path):
    notebook = {"cells": [
        {"cell_type": "code", "source": "print(0.882)", "outputs": [{"output_type": "stream", "text": "0.882\n"}]},
        {"cell_type": "markdown", "source": "88% are confident, at least 80% by the claim, but 79.9% was the old run."},
    ]}
    path = tmp_path / "09_test.ipynb"
    path.write_text(json.dumps(notebook))
    (missing,) = unprinted_quotes(path)  # 88% is printed (0.882), 80% is a bound
    assert missing.startswith("cell 1: '79.9%'")
