"""Page-number pagination for the API: ``?page=2&page_size=100`` (at most 500 a page).

Both are whole numbers of 1 or more, as the schema says: anything else (``?page_size=null``,
``?page=-1``, an empty value) is a 400 naming the parameter, not a silent default. A page past
the last one is 404; a page size over 500 is served as 500."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as _PageNumberPagination

_NOT_A_COUNT = _("“%(name)s” must be a whole number of 1 or more (got “%(value)s”).")


def _count(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({name: [_NOT_A_COUNT % {"name": name, "value": raw[:20]}]})
    return int(raw)


class PageNumberPagination(_PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        size = _count(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        number = _count(request, self.page_query_param)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page (larger sizes give {self.max_page_size})."
                )
        return parameters
