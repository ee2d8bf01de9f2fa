"""Signing in: Django's login and password-reset views with the lockout around them, and the
account page (password, two-factor authentication).

django-axes locks a username from an address after AXES_FAILURE_LIMIT wrong passwords
(config/settings.py) and answers with templates/registration/locked_out.html. Here the login
form warns on the attempt before the lock, and a completed password reset lifts the lock of
that user: whoever can read the account's mail may sign in again at once.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.utils import reset as axes_reset
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from core.two_factor import two_factor_required_by_role


class LoginView(auth_views.LoginView):
    """The login page; after a failure that leaves one attempt, says so and for how long the
    next failure locks the account."""

    redirect_authenticated_user = True

    def form_invalid(self, form):
        credentials = {"username": form.data.get("username", "")}
        limit = get_failure_limit(self.request, credentials)
        failures = AxesProxyHandler.get_failures(self.request, credentials)
        context = self.get_context_data(form=form)
        if limit - failures == 1:
            context["last_attempt"] = True
            context["lockout_wait"] = get_cool_off(self.request)
        return self.render_to_response(context)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets the new password from the e-mailed link, then lifts the user's lockout (every
    address: the lock is per username and address, the reset proves the username)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


@login_required
def account(request):
    """The user's account: password, and two-factor authentication — compulsory for stewards
    and superusers, a choice for everyone else (enrol an app; turn it off from a verified
    session)."""
    user = request.user
    devices = list(devices_for_user(user, confirmed=True))
    return render(
        request,
        "registration/account.html",
        {
            "title": _("My account"),
            "devices": devices,
            "required_by_role": two_factor_required_by_role(user),
            "verified": user.is_verified(),
        },
    )
