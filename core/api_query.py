"""Query-string parameters as the OpenAPI schema describes them, no looser.

DRF reads a query string like an HTML form: a parameter sent with an empty value
(``?size_class=``) counts as not sent, so ``?sector=`` listed everything and ``?wait=`` queued,
while the schema promised a pattern, an enum or a boolean that "" is not. A query serializer
built on :class:`QuerySerializer` refuses an empty value — "leave the parameter out" — unless
the field allows blank text (a search box)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class QuerySerializer(serializers.Serializer):
    """A serializer of query parameters that refuses empty values (see the module)."""

    default_error_messages = {
        "empty": _("“%(name)s” is empty: give it a value, or leave the parameter out."),
    }

    def to_internal_value(self, data):
        empty = [
            name
            for name, field in self.fields.items()
            if not field.read_only
            and not getattr(field, "allow_blank", False)
            and hasattr(data, "getlist")
            and "" in data.getlist(name)
        ]
        if empty:
            raise serializers.ValidationError(
                {name: [self.error_messages["empty"] % {"name": name}] for name in empty}
            )
        return super().to_internal_value(data)
