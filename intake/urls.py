from django.urls import include, path

from intake import views
from intake.journey import IntakeWizard

app_name = "intake"

intake_questions = IntakeWizard.as_view(url_name="intake:questions", done_step_name="done")

urlpatterns = [
    # The intake starts with the emergency screen, before any other question.
    path("", views.emergency_screen, name="form"),
    path("call-emergency-services/", views.emergency, name="emergency"),
    path("questions/", intake_questions, name="questions_start"),
    path("questions/<slug:step>/", intake_questions, name="questions"),
    path("status/<str:token>/", views.case_status, name="status"),
    path(
        "status/<str:token>/appointments/<int:appointment_id>.ics",
        views.appointment_calendar,
        name="appointment_calendar",
    ),
    path("", include("intake.subscription_urls")),
]
