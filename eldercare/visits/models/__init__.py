"""The visits app's models, one module per concern; imported from here as before."""

from .evidence import PhotoKind, VisitConfirmation, VisitPhoto
from .exceptions import (
    EXCEPTION_SEVERITY,
    HOLDING_STATUSES,
    ExceptionStatus,
    ExceptionType,
    ReviewReasonCode,
    Severity,
    VisitException,
)
from .visit import Satisfaction, SatisfactionSource, ServiceCategory, ServiceItem, Visit, VisitStatus

__all__ = [
    "EXCEPTION_SEVERITY",
    "HOLDING_STATUSES",
    "ExceptionStatus",
    "ExceptionType",
    "PhotoKind",
    "ReviewReasonCode",
    "Satisfaction",
    "SatisfactionSource",
    "ServiceCategory",
    "ServiceItem",
    "Severity",
    "Visit",
    "VisitConfirmation",
    "VisitException",
    "VisitPhoto",
    "VisitStatus",
]
