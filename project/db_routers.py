"""Dashboards and exports read from a read replica; everything else uses the primary.

Enabled only when DATABASE_REPLICA_URL is set: `project/settings/base.py` then adds the `replica`
database alias, `ReplicaRouter` and `ReplicaReadsMiddleware`. Without it nothing here is used.

A read goes to the replica when all three hold:

1. it happens inside `replica_reads()`: a GET or HEAD under DATABASE_REPLICA_PATHS (the dashboards and
   exports pages), the streamed body of any response there (an inline CSV export), or a Celery task
   named in DATABASE_REPLICA_TASKS (the export job that writes a file; `project/celery.py`);
2. the model belongs to an app in DATABASE_REPLICA_APPS: the programme's records (areas, providers,
   recipients, beds, visits, roll-ups). Users, sessions, roles, the audit log and export jobs stay on
   the primary: a request reads them right after writing them (a login, an export it just queued),
   and a replica a second behind would not have them yet;
3. no transaction is open on the primary (a read inside one must see that transaction's writes).

Writes always go to the primary, and migrations never run on the replica (it follows the primary).
A replica lags by a moment: dashboards and exports may show figures a few seconds old, never a mix
of old and new inside one query.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.http import FileResponse

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads of the programme's records may go to the replica."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_enabled() -> bool:
    """Whether this router is installed (DATABASE_REPLICA_URL was set)."""
    return any(isinstance(each, ReplicaRouter) for each in router.routers)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _replica_reads.get():
            return None
        if model._meta.app_label not in settings.DATABASE_REPLICA_APPS:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read there may point to one read here.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


def _streamed_from_replica(chunks):
    with replica_reads():
        yield from chunks


class ReplicaReadsMiddleware:
    """Read dashboards and exports pages (GET, HEAD) and every streamed body there from the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(tuple(settings.DATABASE_REPLICA_PATHS)):
            return self.get_response(request)
        if request.method in ("GET", "HEAD"):
            with replica_reads():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if response.streaming and not response.is_async and not isinstance(response, FileResponse):
            # The body is read after this middleware has returned: it takes the replica with it. (A
            # FileResponse reads a file, not the database, and keeps the server's sendfile.)
            response.streaming_content = _streamed_from_replica(response.streaming_content)
        return response
