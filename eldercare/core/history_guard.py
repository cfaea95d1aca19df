"""A history row never fails a write for a long reason.

Services copy the reason a person typed (a void reason, a review note) into the history row's
change reason, a column of 100 characters (django-simple-history's). The reason is kept in full
where it belongs (the visit's void reason, the exception's resolution note); the history's copy
is shortened with an ellipsis instead of making PostgreSQL refuse the whole write (a 500).
Reasons stored only in the history are limited to `CHANGE_REASON_MAX_LENGTH` where they are
entered (`eldercare.core.input_policy`), so nothing typed there is shortened.
"""

from simple_history.signals import pre_create_historical_record

from .input_policy import CHANGE_REASON_MAX_LENGTH


def shorten_change_reason(sender, history_instance, **kwargs) -> None:
    reason = getattr(history_instance, "history_change_reason", None)
    if isinstance(reason, str) and len(reason) > CHANGE_REASON_MAX_LENGTH:
        history_instance.history_change_reason = reason[: CHANGE_REASON_MAX_LENGTH - 1] + "…"


def connect() -> None:
    pre_create_historical_record.connect(shorten_change_reason, dispatch_uid="eldercare_shorten_change_reason")
