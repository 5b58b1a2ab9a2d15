"""Self-checks for the notebooks' exercises: one module per notebook.

Each check runs the learner's answer against known results and either prints a short confirmation or
raises :class:`ExerciseError` whose message is a hint, never the solution.
"""

from __future__ import annotations


class ExerciseError(AssertionError):
    """The answer to an exercise is not right yet; the message says what to look at."""


def passed(message: str) -> None:
    """Print the confirmation line of a correct answer."""
    print(f"Correct: {message}")


def require(condition: bool, hint: str) -> None:
    """Fail the check with ``hint`` unless ``condition`` holds."""
    if not condition:
        raise ExerciseError(hint)
