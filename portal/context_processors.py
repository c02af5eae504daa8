from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict:
    """How to reach the clinic, and the emergency number, on every page."""
    return clinic_contact()


def clinic_contact() -> dict:
    """The same details for emails, which have no request."""
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_address": settings.CLINIC_ADDRESS,
        "booking_url": settings.BOOKING_URL,
        "emergency_number": settings.EMERGENCY_NUMBER,
    }
