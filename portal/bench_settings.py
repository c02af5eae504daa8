"""Settings of the servers that `make bench` and `make load` start: the portal's own, with two changes.

- Celery messages go to a queue of the run's own (BENCH_QUEUE), which the
  run deletes at its end, so nothing it enqueued reaches a real worker.
- With BENCH_BARE set, the server answers only the baseline: a bare Django
  view doing one INSERT (portal.bench_bare), behind the portal's middleware.

Everything else (the database, its connection reuse, the middleware, the
rate limit) is as in production, read from the same environment variables.
"""

import os

from portal.settings import *  # noqa: F403

if os.environ.get("BENCH_QUEUE"):
    CELERY_TASK_DEFAULT_QUEUE = os.environ["BENCH_QUEUE"]
if os.environ.get("BENCH_BARE"):
    ROOT_URLCONF = "portal.bench_bare"
