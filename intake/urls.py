from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("", views.intake_form, name="form"),
    path("status/<str:token>/", views.case_status, name="status"),
]
