"""The portal's URLs plus one view that fails, to see the 500 page."""

from django.urls import path

from portal.urls import handler500, urlpatterns  # noqa: F401 (the handler is read from this module)


def fails(request):
    raise RuntimeError("a bug with a detail no patient should see")


urlpatterns = [path("fails/", fails), *urlpatterns]
