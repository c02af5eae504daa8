"""The baseline of the intake POST benchmark: a bare Django view that does one INSERT.

It runs behind the portal's middleware on the same database and the same
gunicorn settings; the table is the bench database's own (see TABLE_SQL).
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

TABLE = "bench_bare_row"
TABLE_SQL = {
    "postgresql": f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, at timestamptz NOT NULL)",
    "sqlite": f"CREATE TABLE {TABLE} (id integer PRIMARY KEY AUTOINCREMENT, at text NOT NULL)",
}


@csrf_exempt
def one_insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (at) VALUES (%s)", [timezone.now()])
    return HttpResponse("saved", content_type="text/plain")


urlpatterns = [path("bare/", one_insert)]
