"""Locust users for the load test (bench.loadtest runs it headless on loopback).

50 caregivers upload visits through POST /api/v1/visits/bulk/ (token auth, a few visits a call, as
an app syncing after each visit) and 10 officials read their dashboards (session cookie). The
profiles (tokens, sessions, recipients) are prepared by bench.loadtest in the JSON file named by
BENCH_LOCUST_PROFILES; no user is created here.
"""

import datetime as dt
import itertools
import json
import os
import random
import uuid

from locust import HttpUser, between, task

with open(os.environ["BENCH_LOCUST_PROFILES"], encoding="utf-8") as profiles_file:
    PROFILES = json.load(profiles_file)
CAREGIVERS = itertools.cycle(PROFILES["caregivers"])
OFFICIALS = itertools.cycle(PROFILES["officials"])
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class Caregiver(HttpUser):
    fixed_count = len(PROFILES["caregivers"])
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.profile = next(CAREGIVERS)
        self.rng = random.Random(self.profile["caregiver"])
        self.day = dt.date.fromisoformat(self.profile["first_day"])
        self.headers = {"Authorization": f"Token {self.profile['token']}"}

    def next_visit(self) -> dict:
        """One 45-minute visit a night, on consecutive days: a caregiver never overlaps herself."""
        recipient = self.rng.choice(self.profile["recipients"])
        started = dt.datetime.combine(self.day, dt.time(22, 0), tzinfo=SHANGHAI)
        self.day += dt.timedelta(days=1)
        category, item = self.rng.choice(PROFILES["items"])
        return {
            "client_uuid": str(uuid.uuid4()),
            "recipient": recipient["id"],
            "caregiver": self.profile["caregiver"],
            "category": category,
            "items": [item],
            "started_at": started.isoformat(),
            "ended_at": (started + dt.timedelta(minutes=45)).isoformat(),
            "checkin_latitude": recipient["latitude"],
            "checkin_longitude": recipient["longitude"],
            "satisfaction": "satisfied",
        }

    @task
    def upload(self):
        visits = [self.next_visit() for _ in range(self.rng.randint(1, 5))]
        with self.client.post(
            "/api/v1/visits/bulk/",
            json={"visits": visits},
            headers=self.headers,
            name="POST /api/v1/visits/bulk/",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif response.json()["summary"]["created"] != len(visits):
                response.failure(f"not all created: {response.json()['summary']}")


class Official(HttpUser):
    fixed_count = len(PROFILES["officials"])
    wait_time = between(1, 3)

    def on_start(self):
        self.profile = next(OFFICIALS)
        self.client.cookies.set("sessionid", self.profile["session"])

    @task
    def dashboard(self):
        self.client.get(self.profile["url"], name=self.profile["name"])
