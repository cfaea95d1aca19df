"""One pagination for every list: pages of 50 by default, `page_size` up to 500.

A `page_size` that is not a whole number of at least 1 is a 400 naming it (DRF would quietly use the
default); a larger one is capped at 500, as the schema says.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 500


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        digits = given.strip().lstrip("0")
        if not (given.strip().isascii() and given.strip().isdigit() and digits):
            message = _("Give a page size of at least 1 (at most %(limit)d are shown).") % {"limit": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        # Compared as text first: a number of thousands of digits is never converted.
        return self.max_page_size if len(digits) > 6 else min(int(digits), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, default=self.page_size)
                parameter["description"] = f"{parameter.get('description', '')} (1–{self.max_page_size})".strip()
        return parameters
