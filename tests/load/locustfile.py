"""Simulated citizens for ``make loadtest`` (scripts/loadtest.py; not run by CI).

Each simulated citizen, in a loop: picks a service (Population most often, as
on a real Monday morning), searches free slots, either through the JSON API
or through the public pages (reason, then the slot list that the
public module renders), reads for a moment, and books one of the first
proposed slots: through ``POST /api/v1/appointments``, or on the public pages,
where the time picked is held while the details are typed (issue 25), then
confirmed. Fifty citizens aiming at the first free slots collide: a 409 "just
taken" (or a time held or taken by someone quicker on the public pages) is the
right answer then and counts as a success; anything else is an error.

The figures per endpoint and the outcomes (booked, taken, nothing free) are
written as JSON to the path in LOADTEST_RESULTS when the run stops.
"""

import json
import os
import random
import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gevent import sleep
from locust import FastHttpUser, between, events, task

# Service slug -> how often citizens want it.
SERVICE_WEIGHTS = {"population": 6, "etat-civil": 2, "etrangers": 1, "urbanisme": 1}
FIRST_SLOTS = 3  # a citizen takes one of the first three slots proposed
LANGUAGES = ("fr", "fr", "fr", "nl", "de", "en")
# The public forms carry the booking's key, not a CSRF token (issue 20).
FLOW = re.compile(r'name="flow" value="([^"]+)"')


def flow_field(page: str) -> dict:
    """The hidden key of a public form, when the page has one."""
    found = FLOW.search(page)
    return {"flow": found[1]} if found else {}


# A time's radio; its id ends with "-<site>" where the service has several.
SLOT = re.compile(r'name="slot" id="slot-[\d-]+" value="([^"]+)"')

outcomes = {"booked": 0, "taken": 0, "nothing_free": 0}


def national_number() -> str:
    """A valid Belgian national register number of someone born 1950-1999."""
    born = date(1950, 1, 1) + timedelta(days=random.randrange(50 * 365))
    base = f"{born:%y%m%d}{random.randrange(1, 998):03d}"
    return base + f"{97 - int(base) % 97:02d}"


def born_on(number: str) -> date:
    """The birth date a number of :func:`national_number` carries."""
    return date(1900 + int(number[:2]), int(number[2:4]), int(number[4:6]))


# The public confirm refuses a form sent sooner than two seconds after the
# flow started (the anti-bot delay): a citizen types for about that long.
TYPING_SECONDS = 2.5


class Citizen(FastHttpUser):
    wait_time = between(1, 3)  # between two journeys
    services: dict[str, dict] = {}  # slug -> service, with its reasons

    def on_start(self):
        if not Citizen.services:
            listed = self.client.get("/api/v1/services", name="API services").json()
            for service in listed:
                reasons = self.client.get(
                    f"/api/v1/services/{service['slug']}/reasons",
                    name="API reasons of a service",
                ).json()
                Citizen.services[service["slug"]] = {**service, "reasons": reasons}
        self.language = random.choice(LANGUAGES)

    def _service(self) -> dict:
        slugs = [slug for slug in SERVICE_WEIGHTS if slug in self.services]
        weights = [SERVICE_WEIGHTS[slug] for slug in slugs]
        return self.services[random.choices(slugs, weights)[0]]

    # --- searching ----------------------------------------------------------

    def _api_search(self, service: dict, reason: dict) -> list[str]:
        """Free slots of the next two weeks, then of the two after, if none."""
        first = datetime.now(ZoneInfo("Europe/Brussels")).date()
        for _attempt in range(3):
            last = first + timedelta(days=13)
            response = self.client.get(
                "/api/v1/slots",
                params={
                    "service": service["slug"],
                    "reason": reason["id"],
                    "start": first.isoformat(),
                    "end": last.isoformat(),
                },
                headers={"Accept-Language": self.language},
                name="API slot search",
            )
            slots = [slot["start"] for slot in response.json()["slots"]]
            if slots:
                return slots
            first = last + timedelta(days=1)
        return []

    def _public_search(self, service: dict, reason: dict) -> list[str]:
        """The public module's steps up to its list of the first free slots."""
        slug = service["slug"]
        headers = {"Accept-Language": self.language}
        page = self.client.get(
            f"/{slug}/reason/", headers=headers, name="Web reason step"
        ).text
        self.client.post(
            f"/{slug}/reason/",
            data={**flow_field(page), "reason": reason["id"]},
            headers=headers,
            allow_redirects=False,
            name="Web reason step (post)",
        )
        page = self.client.get(
            f"/{slug}/slots/", headers=headers, name="Web slot search"
        ).text
        return SLOT.findall(page)

    # --- booking ------------------------------------------------------------

    def _book(self, service: dict, reason: dict, slots: list[str]) -> None:
        if not slots:
            outcomes["nothing_free"] += 1
            return
        someone = uuid.uuid4().hex[:12]
        citizen = {
            "first_name": "Charge",
            "last_name": f"Test {someone}",
            "email": f"{someone}@load.example",
            "phone": f"+32470{random.randrange(10**6):06d}",
            "language": self.language,
        }
        if service["requires_national_number"]:
            citizen["national_number"] = national_number()
        with self.client.post(
            "/api/v1/appointments",
            json={
                "service": service["slug"],
                "reason": reason["id"],
                "start": random.choice(slots[:FIRST_SLOTS]),
                "agent": None,
                "remarks": "",
                "citizen": citizen,
            },
            headers={"Accept-Language": self.language},
            name="API booking",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                outcomes["booked"] += 1
                response.success()
            elif response.status_code == 409:  # someone was quicker: expected
                outcomes["taken"] += 1
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    # --- journeys -----------------------------------------------------------

    @task(3)
    def search_and_book_through_the_api(self):
        service = self._service()
        reason = random.choice(service["reasons"])
        slots = self._api_search(service, reason)
        self.wait()  # reading the proposals
        self._book(service, reason, slots)

    @task(1)
    def search_on_the_public_pages_and_book(self):
        service = self._service()
        if service["citizens_choose_agent"]:  # one more step: keep it simple
            service = self.services["population"]
        reason = random.choice(service["reasons"])
        slots = self._public_search(service, reason)
        self.wait()
        self._book_on_the_public_pages(service, slots)

    # --- the public flow to its end: the time held while typing (issue 25) --

    def _get(self, path: str, name: str) -> str:
        return self.client.get(
            path, headers={"Accept-Language": self.language}, name=name
        ).text

    def _book_on_the_public_pages(self, service: dict, slots: list[str]) -> None:
        """Pick a time (held for this citizen), type the details for a few
        seconds, confirm. A time held or taken by someone quicker is the
        right answer, as a 409 is for the API."""
        if not slots:
            outcomes["nothing_free"] += 1
            return
        slug = service["slug"]
        page = self._get(f"/{slug}/slots/", "Web slot search")
        shown = SLOT.findall(page) or slots  # the times as they are now
        with self.client.post(
            f"/{slug}/slots/",
            data={**flow_field(page), "slot": random.choice(shown[:FIRST_SLOTS])},
            headers={"Accept-Language": self.language},
            allow_redirects=False,
            name="Web time picked (held)",
            catch_response=True,
        ) as picked:
            if picked.status_code == 200 and 'href="#slots"' in picked.text:
                # Held or taken by someone quicker: the times are shown again.
                outcomes["taken"] += 1
                picked.success()
                return
            if picked.status_code != 302:
                picked.failure(f"HTTP {picked.status_code}: {picked.text[:200]}")
                return
        page = self._get(f"/{slug}/details/", "Web details")
        someone = uuid.uuid4().hex[:12]
        details = {
            "first_name": "Charge",
            "last_name": f"Test {someone}",
            "email": f"{someone}@load.example",
            "phone": f"0470 {random.randrange(10**6):06d}",
        }
        if 'name="national_number"' in page:
            number = national_number()
            details["national_number"] = number
            if 'name="birth_date"' in page:
                details["birth_date"] = born_on(number).isoformat()
        elif 'name="birth_date"' in page:
            details["birth_date"] = "1980-05-17"
        if 'name="address"' in page:
            details["address"] = "Rue de la Charge 1\n5000 Namur"
        sleep(TYPING_SECONDS)  # typing: the time stays held meanwhile
        with self.client.post(
            f"/{slug}/details/",
            data={**flow_field(page), **details},
            headers={"Accept-Language": self.language},
            allow_redirects=False,
            name="Web details (post)",
            catch_response=True,
        ) as typed:
            if typed.status_code != 302:
                typed.failure(f"details refused: {typed.text[:300]}")
                return
        page = self._get(f"/{slug}/confirm/", "Web confirm")
        with self.client.post(
            f"/{slug}/confirm/",
            data={**flow_field(page), "website": ""},
            headers={"Accept-Language": self.language},
            allow_redirects=False,
            name="Web booking (confirm)",
            catch_response=True,
        ) as response:
            target = response.headers.get("Location", "")
            if response.status_code == 302 and target.endswith("/done/"):
                outcomes["booked"] += 1
                response.success()
            elif response.status_code == 302 and target.endswith("/slots/"):
                outcomes["taken"] += 1  # taken by staff or an expired hold
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")


@events.test_stop.add_listener
def _write_results(environment, **kwargs):
    """The figures per endpoint, exact at the end of the run (locust's CSV is
    written every few seconds), and the bookings' outcomes."""
    path = os.environ.get("LOADTEST_RESULTS")
    if not path:
        return
    entries = sorted(environment.stats.entries.values(), key=lambda e: e.name)
    endpoints = [
        {
            "endpoint": entry.name,
            "requests": entry.num_requests,
            "errors": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "rps": round(entry.total_rps, 1),
        }
        for entry in entries
    ]
    with open(path, "w") as handle:
        json.dump({"endpoints": endpoints, "outcomes": outcomes}, handle, indent=2)
