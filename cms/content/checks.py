"""Checks across content types: names that must be unique, relations that must meet.

Like Django's system checks, these run before anything serves and report every
problem with its file and attribute. They also settle relation targets to
canonical UIDs (so ``plugin::users-permissions.user`` becomes the auth type's UID).
"""

from __future__ import annotations

from dataclasses import replace

from cms.content.attributes import Attribute
from cms.content.problems import Problem
from cms.content.schema import ContentType

#: Which relation kind the other side must have, for each bidirectional kind.
COUNTERPART = {
    "oneToOne": "oneToOne",
    "oneToMany": "manyToOne",
    "manyToOne": "oneToMany",
    "manyToMany": "manyToMany",
}


def check_types(types: list[ContentType]) -> tuple[list[ContentType], list[Problem]]:
    problems: list[Problem] = []
    problems += _unique_names(types)
    by_uid: dict[str, ContentType] = {}
    for ct in types:
        by_uid.setdefault(ct.uid, ct)
    for ct in types:
        for alias in ct.aliases:
            if alias in by_uid and by_uid[alias] is not ct:
                problems.append(Problem(ct.label, f'alias "{alias}" is already the UID of another type'))
            by_uid.setdefault(alias, ct)

    resolved = []
    for ct in types:
        attributes = {}
        for attr in ct.attributes.values():
            if attr.target is not None:
                target = by_uid.get(attr.target)
                if target is None:
                    if attr.type == "media":
                        problems.append(Problem(ct.label, "media attributes need the upload plugin, which is not installed", attr.name))
                    else:
                        problems.append(Problem(ct.label, f'relation target "{attr.target}" does not exist', attr.name))
                else:
                    attr = replace(attr, target=target.uid)
            attributes[attr.name] = attr
        resolved.append(replace(ct, attributes=attributes))

    by_uid = {ct.uid: ct for ct in resolved}
    for ct in resolved:
        for attr in ct.attributes.values():
            if attr.is_relation and attr.target in by_uid:
                problems += _check_inverse(ct, attr, by_uid[attr.target])
            if attr.type == "uid" and attr.target_field is not None:
                field = ct.attributes.get(attr.target_field)
                if field is None or field.type not in ("string", "text"):
                    problems.append(Problem(ct.label, f'"targetField" must name a string or text attribute of this type, not "{attr.target_field}"', attr.name))
        for index in ct.indexes:
            for name in index:
                attr = ct.attributes.get(name)
                if attr is not None and attr.is_relation and attr.mapped_by:
                    problems.append(Problem(ct.label, f'"options.indexes": "{name}" is the inverse side of a relation and has no column'))
    return resolved, problems


def _unique_names(types: list[ContentType]) -> list[Problem]:
    problems = []
    seen: dict[tuple[str, str], ContentType] = {}
    for ct in types:
        keys = [("UID", ct.uid), ("collectionName", ct.collection_name.lower())]
        # singular and plural names share one namespace: both become /api/<name> routes
        keys += [("route name", ct.singular_name), ("route name", ct.plural_name)]
        for what, value in dict.fromkeys(keys):
            other = seen.get((what, value))
            if other is not None and other is not ct:
                problems.append(Problem(ct.label, f'{what} "{value}" is already used by {other.label}'))
            seen.setdefault((what, value), ct)
    return problems


def _check_inverse(ct: ContentType, attr: Attribute, target: ContentType) -> list[Problem]:
    """Both sides of a bidirectional relation must name each other with matching kinds."""
    other_name = attr.inversed_by or attr.mapped_by
    if other_name is None:
        return []
    key = "inversedBy" if attr.inversed_by else "mappedBy"
    other = target.attributes.get(other_name)

    def bad(message: str) -> list[Problem]:
        return [Problem(ct.label, message, attr.name)]

    if other is None:
        return bad(f'{key} "{other_name}" does not exist on {target.uid}')
    if not other.is_relation or other.target != ct.uid:
        return bad(f'{key} "{other_name}" on {target.uid} is not a relation back to {ct.uid}')
    back = other.mapped_by if attr.inversed_by else other.inversed_by
    back_key = "mappedBy" if attr.inversed_by else "inversedBy"
    if back != attr.name:
        return bad(f'{key} "{other_name}": {target.uid}.{other_name} must have {back_key} "{attr.name}"')
    if COUNTERPART.get(attr.relation or "") != other.relation:
        return bad(f'relation "{attr.relation}" cannot pair with "{other.relation}" on {target.uid}.{other_name} (expected "{COUNTERPART.get(attr.relation or "")}")')
    return []
