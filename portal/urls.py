from django.contrib import admin
from django.urls import include, path
from two_factor.urls import core as two_factor_core

from portal.api import api

admin.site.site_header = "Clinic intake: staff console"
admin.site.site_title = "Clinic staff console"
admin.site.index_title = "Cases and referrals"

urlpatterns = [
    # Staff sign-in with a second factor: /staff/account/login/, enrolment, backup codes.
    # Not the library's "disable two-factor" pages: the second factor is not optional.
    path("staff/", include((two_factor_core, "two_factor"))),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The language switcher on every patient page posts here (Django's set_language).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("intake.urls")),
    path("", include("referrals.urls")),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
