from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Patient cases"

    def ready(self) -> None:
        from intake.audit import audit_register

        audit_register()
