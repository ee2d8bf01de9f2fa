"""Postprocessing of the OpenAPI schema: what DRF validates that drf-spectacular does not say.

DRF refuses a NUL character in every text field (``ProhibitNullCharactersValidator``), so every
free-text string the API reads (request bodies and parameters) gets a pattern excluding it, as
long as it has no pattern, enum or format of its own. Responses are left alone."""

from __future__ import annotations

NO_NUL = "^[^\\x00]*$"


def _without_nul(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and not ({"pattern", "enum", "format"} & node.keys()):
            node["pattern"] = NO_NUL
        for value in node.values():
            _without_nul(value)
    elif isinstance(node, list):
        for value in node:
            _without_nul(value)


def strings_without_nul(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the request side only
            _without_nul(component)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") in ("query", "path"):
                        _without_nul(parameter.get("schema"))
    return result
