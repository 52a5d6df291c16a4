"""Content types: schema.json files → validated ContentType objects in one Registry."""

from cms.content.attributes import ATTRIBUTE_TYPES, SYSTEM_FIELDS, Attribute
from cms.content.loader import SchemaSource, discover, load_registry
from cms.content.problems import Problem, SchemaError
from cms.content.registry import Registry
from cms.content.schema import ContentType

__all__ = [
    "ATTRIBUTE_TYPES", "SYSTEM_FIELDS", "Attribute", "ContentType", "Problem", "Registry",
    "SchemaError", "SchemaSource", "discover", "load_registry",
]
