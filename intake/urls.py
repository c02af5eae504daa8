from django.urls import include, path

from intake import views

app_name = "intake"

urlpatterns = [
    path("", views.intake_form, name="form"),
    path("status/<str:token>/", views.case_status, name="status"),
    path("", include("intake.subscription_urls")),
]
