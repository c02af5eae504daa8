from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("appointments/<int:pk>/confirm/<str:token>/", views.appointment_confirm, name="appointment_confirm"),
    path(
        "appointments/<int:pk>/cancel/<str:token>/", views.appointment_cancel_link, name="appointment_cancel"
    ),
]
