from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from core import two_factor
from portal import account_views, ops_views, views
from portal.forms import LimitedPasswordResetForm

admin.site.site_header = _("Asesor MYPE — administration")
admin.site.site_title = _("Asesor MYPE")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/two-factor/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/disable/", two_factor.two_factor_disable, name="two_factor_disable"),
    # Password change and reset: Django's views with our templates (templates/registration/);
    # the login warns before django-axes' lock, a completed reset lifts it (portal/account_views).
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(form_class=LimitedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("supervision/", include("portal.supervision_urls")),
    path("opportunities/", include("portal.opportunity_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("health/", views.health, name="health"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("businesses/", include("portal.business_urls")),
    path("api/v1/", include("config.api_urls")),
    # Admin pages of the models that moved out of ``portal`` (bookmarks keep working).
    re_path(
        r"^admin/portal/(?P<model>partner|partnerapikey|partnergrant)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/businesses/%(model)s/%(rest)s", query_string=True),
    ),
    re_path(
        r"^admin/portal/(?P<model>auditentry|workerheartbeat)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/core/%(model)s/%(rest)s", query_string=True),
    ),
    re_path(
        r"^admin/portal/(?P<model>featuredrift)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/forecasting/%(model)s/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
]

# JSON errors under /api/, the portal's own pages elsewhere (templates/403.html, 404.html,
# 500.html): see core.api_errors.
handler400 = "core.api_errors.bad_request"
handler403 = "core.api_errors.permission_denied"
handler404 = "core.api_errors.page_not_found"
handler500 = "core.api_errors.server_error"
