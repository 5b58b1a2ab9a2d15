"""Self-checks for the notebooks' exercises: one module per notebook.

Each check runs the learner's answer against known results and either prints a short confirmation or
raises :class:`ExerciseError` whose message is a hint, never the solution.
"""

from __future__ import annotations

from collections.abc import Callable


class ExerciseError(AssertionError):
    """The answer to an exercise is not right yet; the message says what to look at."""


def passed(message: str) -> None:
    """Print the confirmation line of a correct answer."""
    print(f"Correct: {message}")


def require(condition: bool, hint: str) -> None:
    """Fail the check with ``hint`` unless ``condition`` holds."""
    if not condition:
        raise ExerciseError(hint)


def call_learner(function: Callable[..., object], *args: object, context: str = "your function", advice: str = "") -> object:
    """``function(*args)``, with any exception it raises turned into a hint: "calling ``context`` failed with
    ..." followed by ``advice`` (e.g. what kind of input the function must accept)."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 - any failure here is the learner's to fix
        hint = f"calling {context} failed with {type(error).__name__}: {error}."
        raise ExerciseError(f"{hint} {advice}" if advice else hint) from error
