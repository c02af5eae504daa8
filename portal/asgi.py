import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_asgi_application()

# A broken rulebook stops the server at start-up, not at the first patient.
from referrals.rulebook import get_rulebook  # noqa: E402

get_rulebook()
