"""Simulated patients and staff over real HTTP, for `make bench` and `make load`.

Each simulated patient is a browser without JavaScript: its own cookies (so
its own session), the CSRF token of the page it last read, and the intake's
pages in the order the portal sends it through them (the emergency screen,
each step the portal redirects to, the review page, then the review's POST).
Nothing here calls the portal's code: everything goes through the server,
as a patient's requests do.

The client is asyncio over plain sockets, one connection per request (the
portal's gunicorn sync workers close each connection after its response), so
that one process can keep many requests in flight without threads.
"""

import asyncio
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

TOKEN_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
STEP_FIELD = "intake-current_step"
MAX_STEPS = 12


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes
    seconds: float

    def header(self, name: str) -> str:
        return (self.headers.get(name.lower()) or [""])[0]

    @property
    def location(self) -> str:
        return urlsplit(self.header("location")).path


async def http_request(
    host: str, port: int, method: str, path: str, *, headers: dict[str, str], body: bytes = b""
) -> Response:
    """One HTTP/1.1 request on a connection of its own; the whole response read until the server closes."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed.setdefault(name.strip().lower(), []).append(value.strip())
    status = int(status_line.split()[1]) if status_line.startswith("HTTP/") else 0
    return Response(status, parsed, content, time.perf_counter() - started)


@dataclass
class Browser:
    """Cookies and the last page's CSRF token, as a browser keeps them."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": "portal-loadgen"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def _keep(self, response: Response) -> Response:
        for line in response.headers.get("set-cookie", []):
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        found = TOKEN_FIELD.search(response.body)
        if found:
            self.token = found.group(1).decode()
        return response

    async def get(self, path: str) -> Response:
        return self._keep(await http_request(self.host, self.port, "GET", path, headers=self._headers()))

    async def post(self, path: str, data: dict[str, Any]) -> Response:
        body = urlencode({**data, "csrfmiddlewaretoken": self.token}, doseq=True).encode()
        headers = {
            **self._headers(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://{self.host}:{self.port}",
            "Referer": f"http://{self.host}:{self.port}/",
        }
        return self._keep(await http_request(self.host, self.port, "POST", path, headers=headers, body=body))


def _grouped(symptoms: set[str], groups: tuple) -> dict[str, list[str]]:
    return {group.field_name: [code for code in group.symptoms if code in symptoms] for group in groups}


def step_fields(answers: dict[str, Any], contact: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The route contract's answers and contact details as each intake step's form fields."""
    from intake.symptoms import companion_groups, screening_groups

    symptoms = set(answers.get("symptoms", []))
    where = ("sex", "age", "locations", "frequency", "duration_days")
    more: dict[str, Any] = {"pregnancy": answers.get("pregnancy", "no")}
    if answers.get("pregnancy_trimester"):
        more["pregnancy_trimester"] = answers["pregnancy_trimester"]
    if answers.get("menstruation_related"):
        more["menstruation_related"] = "on"
    return {
        "where": {key: answers[key] for key in where if key in answers},
        "signs": _grouped(symptoms, screening_groups()),
        "companions": _grouped(symptoms, companion_groups(answers["locations"])),
        "history": {"history": answers.get("history", [])},
        "more-about-you": more,
        "contact": {**contact, "consent_contact": "on", "consent_health_data": "on"},
    }


class IntakeRefused(Exception):
    """The portal did not take a simulated patient through the intake as a patient expects."""


async def patient_to_review(browser: Browser, steps: dict[str, dict[str, Any]]) -> None:
    """Pass the emergency screen and answer each step the portal asks for, up to the review page."""
    await browser.get("/")
    response = await browser.post("/", {"now": "none"})
    path = response.location
    for _ in range(MAX_STEPS):
        if response.status != 302 or "/questions/" not in path:
            raise IntakeRefused(f"{response.status} on the way to the review")
        response = await browser.get(path)
        if response.status == 302:
            path = response.location
            continue
        step = path.rstrip("/").rsplit("/", 1)[1]
        if step == "review":
            if response.status != 200:
                raise IntakeRefused(f"{response.status} on the review page")
            return
        response = await browser.post(path, {**steps.get(step, {}), STEP_FIELD: step})
        path = response.location
    raise IntakeRefused("the intake did not reach its review")


async def patient_submit(browser: Browser) -> Response:
    """The review page's POST: the portal saves the case and redirects to the patient's status page."""
    return await browser.post("/questions/review/", {STEP_FIELD: "review"})


async def run_pool(jobs: list[Callable[[], Awaitable[Any]]], concurrency: int) -> list[Any]:
    """Run the jobs with at most `concurrency` in flight; results (or exceptions) in the jobs' order."""
    results: list[Any] = [None] * len(jobs)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(jobs)):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            try:
                results[index] = await jobs[index]()
            except Exception as exc:  # noqa: BLE001 (reported to the caller, per job)
                results[index] = exc

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


@dataclass
class Rate:
    """Requests per second and latency of a timed run."""

    requests: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


async def timed(
    jobs: list[Callable[[], Awaitable[Response]]], concurrency: int, ok: Callable[[Response], bool]
) -> Rate:
    """Run request jobs at the given concurrency; count those that failed `ok` (or raised)."""
    started = time.perf_counter()
    results = await run_pool(jobs, concurrency)
    seconds = time.perf_counter() - started
    responses = [result for result in results if isinstance(result, Response)]
    failures = len(results) - sum(ok(response) for response in responses)
    return Rate(len(results), seconds, [response.seconds for response in responses], failures)
