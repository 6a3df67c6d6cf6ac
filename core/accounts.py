"""Staff logins: invitations and password resets by one-time links (issue 23).

A link is a django-sesame token in the path of the "choose your password" page
(``admin:password_set``), scoped to that page (``PASSWORD_SCOPE``) and valid for
``STAFF_LINK_HOURS`` (at most a day). It is spent by the POST that sets the
password, and only by it: django-sesame signs the user's password hash into the
token (``SESAME_INVALIDATE_ON_PASSWORD_CHANGE``, its default), so the new
password voids every link sent before, while a GET (an e-mail scanner opening
the link) changes nothing and leaves it usable.

The e-mails go straight to the mail server, not through the messaging outbox:
a row of the outbox is readable in the admin, and a link that sets a password
must not be (whoever read it could take the account). They are sent to the
address an administrator set on the login, never to one typed into a form.

"Forgot password" answers the same whatever was typed; the link is sent by the
task queue (``password_reset_send``), so that the answer takes as long whether
or not the address is known.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from sesame.tokens import create_token, parse_token

from .languages import CODES, chosen_staff_language
from .models import Commune, StaffProfile
from .ratelimit import hit
from .roles import is_administrator

logger = logging.getLogger(__name__)

PASSWORD_SCOPE = "account.password"  # noqa: S105 (a token scope)
# One address gets at most this many reset links an hour, whoever asks: the
# form cannot be used to flood a colleague's mailbox from many addresses.
RESETS_PER_USER_PER_HOUR = 3
MAX_LINK_AGE = timedelta(hours=24)


def link_max_age() -> timedelta:
    """How long a password link works: STAFF_LINK_HOURS, never beyond a day."""
    return min(timedelta(hours=settings.STAFF_LINK_HOURS), MAX_LINK_AGE)


def _staff_user(pk):
    """The active staff login with this id, or None (django-sesame's lookup)."""
    return get_user_model().objects.filter(pk=pk, is_active=True, is_staff=True).first()


def password_token(user) -> str:
    """A token that opens the "choose your password" page for ``user``."""
    return create_token(user, PASSWORD_SCOPE)


def user_for_password_token(token: str):
    """The login a password token names, or None when it is forged, expired,
    already used (the password changed since) or the login is disabled."""
    try:
        return parse_token(
            token, _staff_user, scope=PASSWORD_SCOPE, max_age=link_max_age()
        )
    except Exception:  # a malformed token is no token
        logger.debug("unreadable password token", exc_info=True)
        return None


def password_link(user) -> str:
    """The absolute "choose your password" link put in the e-mail."""
    path = reverse("admin:password_set", kwargs={"token": password_token(user)})
    return settings.SITE_URL.rstrip("/") + path


def may_receive_link(user) -> bool:
    """Whether a link may be sent to ``user``: an active staff login with an
    address an administrator set."""
    return bool(user.is_active and user.is_staff and user.email)


def _send_password_link(user, *, kind: str, language: str) -> None:
    """Render and send the invitation or reset e-mail to ``user.email``."""
    context = {
        "user": user,
        "name": user.get_full_name() or user.get_username(),
        "username": user.get_username(),
        "link": password_link(user),
        "hours": int(link_max_age().total_seconds() // 3600),
        "commune": Commune.objects.get_solo().name,
        "login_url": settings.SITE_URL.rstrip("/") + reverse("admin:login"),
    }
    with translation.override(language):
        subject = render_to_string(f"accounts/{kind}_subject.txt", context)
        body = render_to_string(f"accounts/{kind}_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def users_invite(*, users, actor, language: str | None = None) -> tuple[list, list]:
    """E-mail each of ``users`` a link to choose a password (an administrator's
    action); return (invited, skipped): a login without an e-mail address or
    disabled is skipped. A mail server error is raised to the caller."""
    if not is_administrator(actor):
        raise PermissionDenied
    language = language or settings.LANGUAGE_CODE
    invited, skipped = [], []
    for user in users:
        if not may_receive_link(user):
            skipped.append(user)
            continue
        # In the language chosen for the login (issue 19), else the inviter's.
        own = chosen_staff_language(user) or language
        _send_password_link(user, kind="invitation", language=own)
        invited.append(user)
        logger.info("%s invited %s to choose a password", actor, user)
    return invited, skipped


def reset_candidates(email: str) -> list:
    """The logins an address typed into "forgot password" names: active staff
    whose address, as an administrator set it, is that one (any case)."""
    email = email.strip()
    if not email or "@" not in email:
        return []
    return [
        user
        for user in get_user_model().objects.filter(
            email__iexact=email, is_active=True, is_staff=True
        )
        if user.email.strip().casefold() == email.casefold()
    ]


def password_reset_request(*, user_ids: list[int], language: str) -> None:
    """Queue the reset e-mails of these logins (maybe none: the queue is used
    all the same, so that the answer does not tell whether there were any)."""
    from django_q.tasks import async_task

    async_task(
        "core.accounts.password_reset_send",
        list(user_ids),
        language,
        task_name="password-reset",
    )


def password_reset_send(user_ids: list[int], language: str) -> int:
    """The task: send a reset link to each login, within the per-login hourly
    limit; return how many were sent."""
    sent = 0
    for user in get_user_model().objects.filter(pk__in=user_ids):
        if not may_receive_link(user):
            continue
        if not hit(
            "password-user",
            str(user.pk),
            limit=RESETS_PER_USER_PER_HOUR,
            period=3600,
        ):
            logger.warning("reset links for %s: hourly limit reached", user)
            continue
        _send_password_link(user, kind="reset", language=language)
        sent += 1
    return sent


def user_password_set(*, user, password: str) -> None:
    """Set the password chosen through a link; this voids the link (and every
    other one sent to the login) and lifts a login lockout of the name."""
    user.set_password(password)
    user.save(update_fields=["password"])
    try:
        from axes.utils import reset

        reset(username=user.get_username())
    except Exception:  # the lockout is a convenience here, never a blocker
        logger.exception("could not lift the lockout of %s", user)
    logger.info("%s chose a password through an e-mailed link", user)


# --- Each login's own language (issue 19, point 4) ----------------------------


def staff_language_set(*, user, language: str, actor) -> StaffProfile:
    """Set the language ``user`` reads the admin and messages in ("" for the
    commune's main language). ``actor`` is the user or an administrator."""
    if actor.pk != user.pk and not is_administrator(actor):
        raise PermissionDenied
    language = (language or "").strip().lower()
    if language and language not in CODES:
        raise ValueError(f"unknown language: {language!r}")
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().filter(user=user).first()
        if profile is None or profile.language != language:
            profile = profile or StaffProfile(user=user)
            profile.language = language
            profile._change_reason = "language chosen"
            profile.save()
    # The next read of user.staff_profile sees the new language.
    user.staff_profile = profile
    return profile
