"""Teaching claims about a training run, checked where they are made.

A training run gives different digits on different machines: the CPU's instruction set, the kernels
oneDNN picks, the number of threads and bfloat16 support all change the last bits of every step, and
training amplifies them. So a notebook never states "the loss fell to 0.806"; it states what the run is
there to show, with a margin that holds on any machine and seed, and checks it:

>>> claim("the trained D is within 0.15 of D* wherever a density exceeds 0.01", gap < 0.15,
...       measured=f"largest gap {gap:.3f}")
✔ the trained D is within 0.15 of D* wherever a density exceeds 0.01
  this run: largest gap 0.052

The first line never changes, so a stored notebook can be compared with a fresh run (nbval does); the
second shows this run's numbers, and the test setup (``tests/nbval_sanitize.cfg``) masks everything after
``this run:``. A claim that does not hold raises :class:`ClaimNotMet` with the numbers.
"""

from __future__ import annotations

MEASURED_PREFIX = "this run:"


class ClaimNotMet(AssertionError):
    """A teaching claim about a training run did not hold on this run."""


def claim(statement: str, holds: bool, measured: str = "") -> None:
    """Print ``✔ statement`` (and ``this run: measured``) when ``holds``; raise :class:`ClaimNotMet` otherwise."""
    if not holds:
        raise ClaimNotMet(
            f"expected {statement}, but this run gave {measured or 'otherwise'}. The notebook's claims hold on any "
            "machine with its settings; if you changed a setting above, this is what the change did."
        )
    print(f"✔ {statement}")
    if measured:
        print(f"  {MEASURED_PREFIX} {measured}")
