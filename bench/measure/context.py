"""What every measurement shares: the run's context, the world's latest areas, and plain SQL helpers."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.urls import NoReverseMatch, reverse

from bench.generate import WorldSize
from eldercare.areas.models import Batch, PilotArea
from eldercare.providers.models import Provider


@dataclass
class BenchContext:
    size: WorldSize
    seed: int
    bench_day: dt.date
    log: object = print
    nightly_day: dt.date | None = None
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def user(self, role: str, **scope):
        """A user with `role` over `scope` (role_grant), made once per run."""
        from eldercare.accounts.services import role_grant

        key = (role, tuple(sorted(scope.items())))
        if key not in self.users:
            username = f"bench-{role}-{len(self.users) + 1}"
            self.users[key] = role_grant(username=username, role=role, **scope).user
        return self.users[key]

    def token(self, user) -> str:
        """An API token of `user` (as a phone app keeps one), issued once per run."""
        from eldercare.accounts.tokens import token_issue

        if user.pk not in self.tokens:
            self.tokens[user.pk] = token_issue(user=user)[1]
        return self.tokens[user.pk]

    def provider_staff(self, provider: Provider):
        return self.user("provider_staff", provider_credit_code=provider.credit_code)


def fetch(sql: str, params=None) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def latest_batch() -> Batch:
    """The batch of the world's current cycles (earlier batches of a `--batches` world are over)."""
    from eldercare.recipients.models import Recipient

    # The latest year with people in it: one EXISTS probe a batch, newest first.
    people = Recipient.objects.filter(area__batch=OuterRef("pk"))
    return Batch.objects.filter(Exists(people)).order_by("-year").first()


def latest_areas():
    return PilotArea.objects.filter(batch=latest_batch())


def busiest_area() -> PilotArea:
    return (
        latest_areas()
        .select_related("region", "batch")
        .annotate(n=Count("recipients"))
        .order_by("-n", "region__code")
        .first()
    )


def home_providers_busiest_first():
    """The latest batch's home-visit providers, those serving the most recipients first."""
    return (
        Provider.objects.filter(offers_home_visits=True, areas__in=latest_areas())
        .annotate(n=Count("recipients", distinct=True))
        .order_by("-n", "pk")
    )


def url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def queue_depth() -> int:
    from eldercare.core.models import RecountRequest

    return RecountRequest.objects.count()


def drain_queue() -> object:
    """What a worker does after writes: drain the durable recount queue until it is empty."""
    from eldercare.rollups.queue import drain_recount_queue

    return drain_recount_queue(seconds=None)
