from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Clinic intake: staff console"
admin.site.site_title = "Clinic staff console"
admin.site.index_title = "Cases and referrals"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("intake.urls")),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
