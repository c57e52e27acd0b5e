"""Cookie sessions and CSRF tokens for the pages.

The session cookie holds the very token `POST /api/v1/auth/token` issues, and the current user
is resolved by the very dependency the bearer routes use: the pages add no second way in.
"""

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from sqlmodel import Session

from service.auth import service as auth
from service.auth.models import User
from service.config import get_settings
from service.errors import Forbidden, NotAuthenticated

SESSION_COOKIE = "committee_session"
CSRF_COOKIE = "committee_csrf"
CSRF_FIELD = "csrf_token"


def _secure() -> bool:
    # A development server is reached over plain http on loopback; everywhere else, https only.
    return get_settings().environment != "development"


def sign_in(*, session: Session, email: str, password: str, client: str) -> str:
    """A new session's token, as `POST /api/v1/auth/token` issues it: the same throttling and
    password check (401 if wrong, 429 while throttled; the caller commits either way)."""
    user = auth.authenticate(session=session, email=email, password=password, client=client)
    return auth.open_session(session=session, user=user)


def start(response: Response, token: str) -> None:
    """Keep the signed token in a cookie scripts cannot read and other sites do not send."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=get_settings().access_token_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=_secure(),
        path="/",
    )


def end(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def signed_in(request: Request, session: Session) -> auth.SignedIn | None:
    """The user and its session, by the same check as a bearer token; None when signed out."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        found = auth.user_for_token(session=session, token=token)
    except NotAuthenticated:
        return None
    # The person's stored language outranks the browser's cookie (i18n.language_of).
    request.state.user_language = found.user.language
    return found


def current_user(request: Request, session: Session) -> User | None:
    found = signed_in(request, session)
    return found.user if found else None


def sign_out(request: Request, session: Session) -> None:
    """End the cookie's session on the server too: its token is refused everywhere from now."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return
    try:
        signed_in = auth.user_for_token(session=session, token=token)
    except NotAuthenticated:
        return  # already over
    auth.log_out(session=session, session_id=signed_in.session_id)


def _signature(nonce: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The form token of this browser: a signed nonce, also kept in a cookie (double submit)."""
    cached: str | None = getattr(request.state, "csrf_token", None)
    if cached:
        return cached
    existing = request.cookies.get(CSRF_COOKIE, "")
    nonce, _, signature = existing.partition(".")
    if not (nonce and hmac.compare_digest(signature, _signature(nonce))):
        nonce = secrets.token_urlsafe(24)
    token = f"{nonce}.{_signature(nonce)}"
    request.state.csrf_token = token
    return token


def remember_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this response handed out a token the browser lacks."""
    token: str | None = getattr(request.state, "csrf_token", None)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(), path="/"
        )


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form token is missing, forged or not this browser's own."""
    if request.method != "POST":
        return
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    nonce, _, signature = cookie.partition(".")
    valid = (
        isinstance(sent, str)
        and nonce
        and hmac.compare_digest(signature, _signature(nonce))
        and hmac.compare_digest(sent, cookie)
    )
    if not valid:
        raise Forbidden("the form has expired or did not come from this site; reload the page")


def keep_once(response: Response, name: str, value: str, *, path: str) -> None:
    """Hand `value` to the next page under `path` only (a secret shown once after a redirect):
    scripts cannot read it, other sites never send it, and it lapses in five minutes."""
    response.set_cookie(
        name, value, max_age=300, httponly=True, samesite="strict", secure=_secure(), path=path
    )


def forget_once(response: Response, name: str, *, path: str) -> None:
    """The page showed what `keep_once` kept: the browser drops it."""
    response.delete_cookie(name, path=path, httponly=True, samesite="strict", secure=_secure())
