"""One pagination for every list: pages of 50 by default, `page_size` from 1 up to 500.

A `page_size` that is not a whole number in that range is a 400 naming it (DRF would quietly use
the default); the schema says the range, so clients and fuzzers know it.
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
        given = given.strip()
        if not (given.isascii() and given.isdigit() and len(given) <= 6 and 1 <= int(given) <= self.max_page_size):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a page size between 1 and %(limit)d.") % {"limit": self.max_page_size}
                    ]
                }
            )
        return int(given)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
        return parameters
