"""The exceptions a failed check raises, and ``hidden_case`` for hidden tests."""

from __future__ import annotations

from collections.abc import Iterable


class CheckFailed(AssertionError):
    """A check did not pass: says what was expected, what was found, and names a cause only when the evidence fits.

    Attributes
    ----------
    name, expected, found : str
        What was checked, and short descriptions of the expected and the found value.
    hints : list of str
        Hints that name a cause (the automatic one, whose evidence was found, and the exercise author's hints
        tied to a condition that holds). :attr:`causes` lists their keys.
    details : list of str
        Extra lines (the failing case's inputs, a short traceback, facts such as "your result is 3 times the
        expected one" ...).
    notes : list of str
        The exercise author's hints that are not tied to a condition, shown when no cause was named.
    next_step : str or None
        A neutral next step, shown when no hint names a cause.

    Examples
    --------
    >>> err = CheckFailed("mse", expected="0.5", found="1", hints=["did you forget the 1/2?"])
    >>> print(err)
    ✗ mse: expected 0.5; found 1
      Hint: did you forget the 1/2?
    """

    def __init__(
        self,
        name: str,
        expected: str,
        found: str,
        hints: Iterable[str | None] = (),
        details: Iterable[str] = (),
        notes: Iterable[str | None] = (),
        next_step: str | None = None,
    ) -> None:
        self.name = name
        self.expected = expected
        self.found = found
        self.hints = [h for h in hints if h]
        self.details = [d for d in details if d]
        self.notes = [n for n in notes if n]
        self.next_step = next_step
        super().__init__(self.message)

    @property
    def causes(self) -> list[str]:
        """The keys (in :data:`dlcourse.checks.hints.CAUSES`) of the causes the hints name; "author" for an author's."""
        return [getattr(h, "cause", "author") for h in self.hints]

    @property
    def message(self) -> str:
        lines = [f"✗ {self.name}: expected {self.expected}; found {self.found}"]
        for detail in self.details:
            lines.extend("  " + line for line in detail.splitlines())
        lines.extend(f"  Hint: {hint}" for hint in self.hints)
        lines.extend(f"  Note: {note}" for note in self.notes)
        if self.next_step:
            lines.append(f"  Next step: {self.next_step}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # picklable despite the keyword-rich constructor (e.g. across worker processes)
        return (type(self), (self.name, self.expected, self.found, self.hints, self.details, self.notes,
                             self.next_step))

    def _render_traceback_(self) -> list[str]:
        """What IPython/Jupyter shows instead of a traceback: just the message (no check internals)."""
        first, *rest = self.message.splitlines()
        return [f"\x1b[0;31mCheckFailed\x1b[0m: {first}", *rest]


class HiddenCaseFailed(AssertionError):
    """A hidden test failed; says which kind of case (in the author's words), never its code or values.

    The original failure is kept as ``__cause__`` for the instructor's autograded notebook; the student's
    feedback shows only :attr:`description`.
    """

    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__(f"your code passed the visible checks but failed a hidden case: {description}")

    def __reduce__(self):
        return (type(self), (self.description,))

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31mHiddenCaseFailed\x1b[0m: {self.args[0]}"]


class hidden_case:  # noqa: N801 - used as a context manager, reads like a statement
    """Wrap one hidden test: ``with dlcourse.checks.hidden_case("a single-sample input"): check_...(...)``.

    Any failure inside (a failed check, or an error raised by the student's code) becomes
    :class:`HiddenCaseFailed` carrying the author's description of the case, which is all the student's
    feedback shows of it.
    """

    def __init__(self, description: str) -> None:
        if not description or not description.strip():
            raise ValueError("hidden_case needs a description of the case, e.g. 'a single-sample input'")
        self.description = description.strip()

    def __enter__(self) -> "hidden_case":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, HiddenCaseFailed):
            return False
        raise HiddenCaseFailed(self.description) from exc


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _passed(text: str) -> None:
    print(f"✓ {text}")

