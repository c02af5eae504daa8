from django.contrib import admin
from django.urls import include, path
from two_factor.urls import urlpatterns as two_factor_urls

admin.site.site_header = "Clinic intake: staff console"
admin.site.site_title = "Clinic staff console"
admin.site.index_title = "Cases and referrals"

urlpatterns = [
    # Staff sign-in with a second factor: /staff/account/login/, enrolment, backup codes.
    path("staff/", include(two_factor_urls)),
    path("admin/", admin.site.urls),
    path("", include("intake.urls")),
]
