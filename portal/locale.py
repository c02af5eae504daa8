"""The language of each request: the patient's choice, the staff's clinic language."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Staff pages stay in the clinic's language, whatever the browser asks for.
STAFF_PATH_PREFIXES = ("/admin/", "/staff/")


class PatientLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (the switcher's cookie, then Accept-Language) for patient pages only."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(STAFF_PATH_PREFIXES):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path_info.startswith(STAFF_PATH_PREFIXES):
            return response
        return super().process_response(request, response)
