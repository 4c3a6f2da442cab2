"""API pagination: page numbers, with a client-chosen page size up to a ceiling."""

from rest_framework.pagination import PageNumberPagination as DRFPageNumberPagination


class PageNumberPagination(DRFPageNumberPagination):
    """Page-number pagination; ``?page_size=`` lets scripts fetch up to 100 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 100
