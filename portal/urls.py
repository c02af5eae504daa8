from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Clinic intake: staff console"
admin.site.site_title = "Clinic staff console"
admin.site.index_title = "Cases and referrals"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("intake.urls")),
    path("", include("referrals.urls")),
]
