"""One pagination for every list: pages of 50 by default, `page_size` up to 500."""

from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 500


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
