"""One exception type for every broken business rule.

Services raise `DomainError` with a translated message (and the field it concerns, when
there is one). The admin shows the message on the form, the API turns it into a 400, and
commands print it: the rule and its wording live in one place.
"""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    def __init__(self, message, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def as_validation_error(self) -> ValidationError:
        if self.field:
            return ValidationError({self.field: ValidationError(self.message, code=self.code)})
        return ValidationError(self.message, code=self.code)


def refuse_unknown_fields(given, allowed, what) -> None:
    """Refuse a write that names fields the service does not set, naming them (never drop them silently)."""
    from django.utils.translation import gettext_lazy as _

    unknown = set(given) - set(allowed)
    if unknown:
        raise DomainError(
            _("These fields cannot be set on %(what)s: %(fields)s")
            % {"what": what, "fields": ", ".join(sorted(unknown))},
            code="unknown_fields",
        )
