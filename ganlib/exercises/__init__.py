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


# The words every stub of the exercise versions raises (tools/student.py writes the stubs): a function whose
# code still holds them is a stub the learner has not replaced yet.
NOT_WRITTEN = "is not written yet"


def is_unfinished(answer: object) -> bool:
    """Whether ``answer`` is still the exercise version's stub: the placeholder ``...``, or a function whose
    body is the stub's ``raise NotImplementedError``."""
    if answer is Ellipsis:
        return True
    constants = getattr(getattr(answer, "__code__", None), "co_consts", ())
    return any(isinstance(constant, str) and NOT_WRITTEN in constant for constant in constants)


def needs_answers(exercise: str, /, **answers: object) -> None:
    """Stop a cell of an exercise version that uses answers to ``exercise`` before the learner has written them.

    ``tools/student.py`` puts this call at the top of every cell that (directly or through earlier cells)
    uses a name an exercise defines, so that the cell says what to finish instead of failing with an
    unrelated error, such as ``len(Ellipsis)``.
    """
    missing = [name for name, answer in answers.items() if is_unfinished(answer)]
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        raise NotImplementedError(
            f"this cell needs your answer to {exercise}: write {names} in that exercise's cell, run it, "
            f"then run this cell again"
        )
