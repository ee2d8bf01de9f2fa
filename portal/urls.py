from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Asesor MYPE — administration")
admin.site.site_title = _("Asesor MYPE")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("businesses/", include("businesses.urls")),
    path("api/v1/", include("portal.api_urls")),
    path("admin/", admin.site.urls),
]

# JSON errors under /api/ (the portal's own pages elsewhere): see portal.api_errors.
handler400 = "portal.api_errors.bad_request"
handler404 = "portal.api_errors.page_not_found"
handler500 = "portal.api_errors.server_error"
