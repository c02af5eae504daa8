"""gunicorn, the portal's WSGI server in production: `gunicorn -c portal/gunicorn.conf.py`.

It listens on 127.0.0.1:8000 unless `--bind` says otherwise; any setting here
can be overridden on the command line or in GUNICORN_CMD_ARGS. gunicorn itself
reads WEB_CONCURRENCY (the number of worker processes) and FORWARDED_ALLOW_IPS
(the proxies whose X-Forwarded-Proto it believes; loopback by default). See
README.md, "Production".
"""

from gunicorn.glogging import Logger

from portal.log_redaction import RedactFilter

wsgi_app = "portal.wsgi:application"
# The process manager (systemd, a container) starts and stops the server; no
# control socket in the service account's home.
control_socket_disable = True
# Both logs on standard streams: the process manager keeps them.
accesslog = "-"
errorlog = "-"
# No referrer (it can hold a status link) and no user agent. The filter below
# redacts whole URLs, so a format should log %(r)s or %(U)s, never %(q)s alone.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'


class RedactingLogger(Logger):
    """gunicorn's logger with the portal's redaction on its error and access logs."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactFilter) for f in log.filters):
                log.addFilter(RedactFilter())


logger_class = RedactingLogger
