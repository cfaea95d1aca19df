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
