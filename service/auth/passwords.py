"""The password rule: long enough, not a common password, not the person's e-mail or name.

zxcvbn estimates how many guesses a password needs against its lists of common passwords,
words and names, keyboard patterns, dates and repeats, and the person's own details; a score
of 3 means more than 10^8 guesses, well beyond what throttled log-ins allow.
"""

from zxcvbn import zxcvbn

from service.config import get_settings

_MIN_SCORE = 3


def password_problem(password: str, *, email: str, name: str) -> str | None:
    """Why `password` is refused for the person with this e-mail and name; None if accepted."""
    minimum = get_settings().password_min_length
    if len(password) < minimum:
        return f"use at least {minimum} characters"
    lowered = password.lower()
    personal = [email.lower(), email.split("@")[0].lower(), *name.lower().split()]
    if any(len(part) >= 3 and part in lowered for part in personal):
        return "must not contain your e-mail address or name"
    estimate = zxcvbn(password, user_inputs=personal)
    if estimate["score"] < _MIN_SCORE:
        warning = estimate["feedback"]["warning"] or "it is too easy to guess"
        return f"{warning.rstrip('.')}; a phrase of several unrelated words is stronger"
    return None
