"""The password rule: long enough, not a common password, not the person's e-mail or name.

zxcvbn estimates how many guesses a password needs against its lists of common passwords,
words and names, keyboard patterns, dates and repeats, and the person's own details; a score
of 3 means more than 10^8 guesses, well beyond what throttled log-ins allow.
"""

from dataclasses import dataclass, field

from zxcvbn import zxcvbn

from service.config import get_settings

_MIN_SCORE = 3


@dataclass(frozen=True)
class PasswordProblem:
    """Why a password is refused: a stable `code` (and its `params`) that clients and pages
    translate, and the English `reason` the API's message carries."""

    code: str  # password_too_short, password_personal, password_guessable, password_incorrect
    reason: str
    params: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.reason

    def refusal(self, field_name: str) -> dict[str, object]:
        """The keywords of the 422 naming `field_name` (see service.errors.InvalidInput)."""
        return {"field": field_name, "code": self.code, "params": dict(self.params)}


INCORRECT = PasswordProblem("password_incorrect", "incorrect")
# Every code a refusal may carry (service.errors puts them in a 422's `fields`).
CODES = frozenset({"password_too_short", "password_personal", "password_guessable", INCORRECT.code})


def password_problem(password: str, *, email: str, name: str) -> PasswordProblem | None:
    """Why `password` is refused for the person with this e-mail and name; None if accepted."""
    minimum = get_settings().password_min_length
    if len(password) < minimum:
        return PasswordProblem(
            "password_too_short", f"use at least {minimum} characters", {"min_length": minimum}
        )
    lowered = password.lower()
    personal = [email.lower(), email.split("@")[0].lower(), *name.lower().split()]
    if any(len(part) >= 3 and part in lowered for part in personal):
        return PasswordProblem("password_personal", "must not contain your e-mail address or name")
    estimate = zxcvbn(password, user_inputs=personal)
    if estimate["score"] < _MIN_SCORE:
        warning = estimate["feedback"]["warning"] or "it is too easy to guess"
        return PasswordProblem(
            "password_guessable",
            f"{warning.rstrip('.')}; a phrase of several unrelated words is stronger",
        )
    return None
