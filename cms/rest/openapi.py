"""The OpenAPI 3.1 document of the REST API, derived from the registry like the routes.

It says what the server really does, tightly enough for schemathesis to check
live responses: documents declare every key the reader can emit and nothing
else, every scalar may be null (columns are nullable), and bodies follow
:mod:`cms.validation` (required only on create, and only without a default).

Routes that plugins (and the core's health checks) add with
:meth:`cms.app.CMS.add_route` bring their own operation objects; the helpers
in the second half of this module (:func:`route_operation`, :func:`json_body`,
:func:`json_response`, :func:`error_responses`, :func:`type_schemas`) build
them in the same style, so one document covers every route.
"""

from __future__ import annotations

import re
from typing import Any

from cms.content import Attribute, ContentType, Registry
from cms.query.values import SYSTEM_ATTRIBUTES
from cms.rest.routes import exposed

Schema = dict[str, Any]
INT32, INT64 = (-(2**31), 2**31 - 1), (-(2**63), 2**63 - 1)
TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"  # a valid time, as cms.validation wants
UID = r"^[A-Za-z0-9\-_.~]*$"
SYSTEM = ("id", "documentId", "createdAt", "updatedAt", "publishedAt")
_STRING_OPS = ("$eqi", "$nei", "$contains", "$notContains", "$containsi", "$notContainsi",
               "$startsWith", "$startsWithi", "$endsWith", "$endsWithi")
#: how the reader shows each kind of value (``AttributeType.value``); json is any value
_VALUES: dict[str, Schema] = {
    "string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
    "decimal": {"type": "number"}, "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"},
    "time": {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"}}
_PAGINATION = (("page", 1, "Page number (page mode)"), ("pageSize", 1, "Entries per page (capped)"),
               ("start", 0, "Offset (offset mode)"), ("limit", -1, "Entries (offset mode; -1: all, capped)"))
_ERRORS = {400: "ValidationError (query, body or pagination)", 401: "UnauthorizedError",
           403: "ForbiddenError", 404: "NotFoundError", 408: "RequestTimeoutError (the body came too slowly)",
           413: "PayloadTooLargeError", 429: "RateLimitError", 500: "InternalServerError"}
#: Sanic's typed path segments (``<user_id:int>``) and the OpenAPI schema of each type
SANIC_SEGMENT = re.compile(r"<([A-Za-z_]\w*)(?::([A-Za-z_]+))?>")
_SEGMENT_TYPES: dict[str, Schema] = {"int": {"type": "integer"}, "float": {"type": "number"},
                                     "uuid": {"type": "string", "format": "uuid"}}


def ref(name: str) -> Schema:
    return {"$ref": "#/components/schemas/" + name}


def closed(properties: Schema, required: list[str] | None = None, **extra: Any) -> Schema:
    """An object with exactly these keys (some of them required)."""
    schema = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    return {**schema, "required": required} if required else schema


def nullable(schema: Schema) -> Schema:
    """``schema`` or null, with 3.1's type lists."""
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]} if schema else schema
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    out = {**schema, "type": [*types, "null"]}
    return {**out, "enum": [*out["enum"], None]} if "enum" in out else out


def value_schema(attr: Attribute) -> Schema:
    """A scalar as the API shows it (reader output, filter values); ``{}`` for json."""
    if attr.type == "enumeration":
        return {"type": "string", "enum": list(attr.enum)}
    if attr.type == "biginteger":
        return {"type": "string", "pattern": r"^-?\d+$"}
    return dict(_VALUES.get(attr.kind.value, {}))


def input_schema(attr: Attribute) -> Schema:
    """A scalar as :mod:`cms.validation` accepts it on write, its rules as keywords."""
    kind = attr.kind.value
    if kind == "string":
        schema: Schema = {"type": "string", **({"enum": list(attr.enum)} if attr.enum else {})}
        rules = (("minLength", attr.min_length), ("maxLength", attr.max_length), ("pattern", attr.regex))
        schema.update({key: value for key, value in rules if value is not None})
        if attr.type == "uid":
            schema = {"allOf": [schema, {"pattern": UID}]} if attr.regex else {**schema, "pattern": UID}
        extra = {"email": {"format": "email"}, "password": {"format": "password"}}.get(attr.type, {})
        return {**schema, **extra, **({"writeOnly": True} if attr.hidden else {})}
    if kind in ("integer", "number", "decimal"):
        low, high = INT64 if attr.type == "biginteger" else INT32 if kind == "integer" else (None, None)
        schema = {"type": "integer" if kind == "integer" else "number"}
        for key, limit, bound, pick in (("minimum", attr.min, low, max), ("maximum", attr.max, high, min)):
            value = limit if bound is None else bound if limit is None else pick(limit, bound)
            schema.update({key: value} if value is not None else {})
        if attr.type == "biginteger" and attr.min is None and attr.max is None:
            schema.update(type=["integer", "string"], pattern=r"^-?\d{1,18}$")  # as read back
        return schema
    if kind == "time":
        return {"type": "string", "pattern": TIME}
    return value_schema(attr)  # boolean, date, datetime; json/blocks: any JSON value


def reachable(registry: Registry, start: list[ContentType] | None = None) -> list[ContentType]:
    """Exposed types (or ``start``) and every type a populated relation can show from them
    (targets are canonical UIDs)."""
    seen: set[str | None] = {ct.uid for ct in (registry if start is None else start) if start or exposed(ct)}
    # relations inside components (every component's schema is in the document)
    inside = {a.target for c in registry.components.values() for a in c.attributes.values()
              if a.target in registry and not a.hidden} if start is None else set()
    while more := ({a.target for ct in registry if ct.uid in seen for a in ct.attributes.values()
                    if not a.is_scalar and not a.hidden and a.target in registry} | inside) - seen:
        seen |= more
    return [ct for ct in registry if ct.uid in seen]


def component_name(uid: str, suffix: str = "") -> str:
    """The schema name of component ``shared.rich-text``: ``ComponentSharedRichText``."""
    return "Component" + "".join(part.capitalize() for part in re.split(r"[-_.]", uid)) + suffix


def _component_value(attr: Attribute, suffix: str) -> Schema:
    """A component attribute's value: an item, a list of them, or a dynamic zone's list of
    items of its components (``oneOf``, told apart by ``__component``)."""
    if attr.type == "dynamiczone":
        variants = [{"allOf": [ref(component_name(uid, suffix)), {"required": ["__component"]}]}
                    for uid in attr.components]
        mapping = {uid: "#/components/schemas/" + component_name(uid, suffix) for uid in attr.components}
        return {"type": "array", "items": {"oneOf": variants, "discriminator": {
            "propertyName": "__component", "mapping": mapping}}}
    item = ref(component_name(attr.component or "", suffix))
    return {"type": "array", "items": item} if attr.repeatable else {"anyOf": [item, {"type": "null"}]}


def component_schemas(registry: Registry) -> dict[str, Schema]:
    """Every component as shown (populated) and as written; ``__component`` is set inside dynamic zones."""
    schemas: dict[str, Schema] = {}
    for uid, component in registry.components.items():
        shown: Schema = {"__component": {"type": "string", "const": uid}, "id": {"type": "integer"}}
        written: Schema = {"__component": {"type": "string", "const": uid},
                           "id": {"type": "integer", "minimum": 1, "description": "an item to update"}}
        for attr in component.attributes.values():
            if attr.is_component:
                shown[attr.name] = _component_value(attr, "")
                if attr.writable:
                    written[attr.name] = nullable_value(_component_value(attr, "Input"))
                continue
            if attr.is_relation:
                if attr.writable:
                    written[attr.name] = {**ref("RelationWrite"), "description": f"{attr.relation} {attr.target}"}
                if not attr.hidden and attr.target in registry:
                    target = ref(registry.get(attr.target or "").model_name)
                    shown[attr.name] = ({"type": "array", "items": target} if attr.is_to_many
                                        else {"anyOf": [target, {"type": "null"}]})
                continue
            if not attr.hidden:
                shown[attr.name] = nullable(value_schema(attr))
            if attr.writable:
                written[attr.name] = input_schema(attr) if attr.required else nullable(input_schema(attr))
        schemas[component_name(uid)] = closed(shown, ["id"], title=component.display_name)
        schemas[component_name(uid, "Input")] = closed(written, title=component.display_name)
    return schemas


def nullable_value(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]} if "anyOf" not in schema else schema


def document_schema(ct: ContentType, registry: Registry) -> Schema:
    """A document as the reader emits it; relations appear only when populated."""
    props: Schema = {"id": {"type": "integer"}, "documentId": {"type": "string"}}
    for attr in ct.attributes.values():
        if attr.hidden:
            continue
        if attr.is_scalar:
            props[attr.name] = nullable(value_schema(attr))
        elif attr.is_component:
            props[attr.name] = _component_value(attr, "")
        elif attr.target in registry:
            target = ref(registry.get(attr.target or "").model_name)
            props[attr.name] = ({"type": "array", "items": target} if attr.is_to_many
                                else {"anyOf": [target, {"type": "null"}]})
    stamp = {"type": "string", "format": "date-time"}
    props.update(createdAt=stamp, updatedAt=stamp, publishedAt=nullable(stamp))
    if ct.localized:  # the version's locale, and its other locales when populated
        props.update(locale=nullable({"type": "string"}),
                     localizations={"type": "array", "items": ref(ct.model_name)})
    return closed(props, ["id", "documentId"], title=ct.display_name, description=ct.description)


def write_schema(ct: ContentType) -> Schema:
    """The ``data`` of a write; a create also requires :func:`required`."""
    props: Schema = {}
    for attr in ct.attributes.values():
        if not attr.writable:
            continue
        if attr.is_relation:
            props[attr.name] = {**ref("RelationWrite"), "description": f"{attr.relation} {attr.target}"}
        elif attr.is_component:
            props[attr.name] = nullable_value(_component_value(attr, "Input"))
        else:
            props[attr.name] = input_schema(attr) if attr.required else nullable(input_schema(attr))
    return closed(props)


def required(ct: ContentType) -> list[str]:
    """What a create must carry: required attributes without a default to fill in."""
    return [a.name for a in ct.attributes.values()
            if a.required and a.writable and a.default is None]


def filters_schema(ct: ContentType) -> Schema:
    """``filters``: per attribute a value or an operator object; relations; ``$and/$or/$not``."""
    props: Schema = {}
    for attr in [*SYSTEM_ATTRIBUTES.values(), *ct.attributes.values()]:
        if attr.hidden:
            continue
        if attr.type == "dynamiczone":
            continue  # not filterable (Strapi's rule)
        if not attr.is_scalar:
            what = attr.component if attr.is_component else attr.target
            props[attr.name] = {"type": "object", "description": f"filters on {what}"}
            continue
        kind = attr.kind.value
        value = {"type": "integer"} if attr.type == "biginteger" else value_schema(attr)
        ops: Schema = {"$null": {"type": "boolean"}, "$notNull": {"type": "boolean"}}
        if kind != "json":
            ops.update({op: value for op in ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte")})
            ops.update({op: {"type": "array", "items": value} for op in ("$in", "$notIn")})
            ops["$between"] = {"type": "array", "items": value, "minItems": 2, "maxItems": 2}
        ops.update({op: value for op in _STRING_OPS} if kind == "string" else {})
        props[attr.name] = {"anyOf": [value, closed(ops)]} if value else closed(ops)
    group = {"type": "array", "items": {"type": "object"}}
    return closed({**props, "$and": group, "$or": group, "$not": {"type": "object"}})


def _param(name: str, schema: Schema, description: str, **extra: Any) -> Schema:
    return {"name": name, "in": "query", "schema": schema, "description": description, **extra}


def _one_or_many(names: list[str]) -> Schema:
    item = {"type": "string", "enum": names}
    return {"anyOf": [item, {"type": "array", "items": item}]}


def query_parameters(ct: ContentType, action: str) -> list[Schema]:
    """Strapi's query parameters: all of them on lists, fewer on one entry, fewest on delete."""
    visible = [a for a in ct.attributes.values() if not a.hidden]
    scalars = [*SYSTEM[:2], *(a.name for a in visible if a.is_scalar), *SYSTEM[2:]]
    params: list[Schema] = []
    if action == "find":
        sortable = [n for n in scalars if n not in ct.attributes or ct.attributes[n].kind.value != "json"]
        params += [
            _param("filters", ref(f"{ct.model_name}Filters"), "e.g. `filters[title][$contains]=hi`",
                   style="deepObject", explode=True),
            _param("sort", _one_or_many([n + d for n in sortable for d in ("", ":asc", ":desc")]),
                   "`field[:asc|desc]`; comma lists and `relation.field` paths work too"),
            *(_param(f"pagination[{key}]", {"type": "integer", "minimum": low}, text)
              for key, low, text in _PAGINATION),
            _param("pagination[withCount]", {"type": "boolean"}, "Count the total (default true)"),
            _param("_q", {"type": "string"}, "Case-insensitive search in the string attributes"),
        ]
    if action != "delete":
        relations = [a.name for a in visible if not a.is_scalar] + ["localizations"] * ct.localized
        params += [
            _param("fields", _one_or_many(scalars), "Scalars to return; `id` and `documentId` always are"),
            _param("populate", _one_or_many(["*", *relations]),
                   "Relations to include: `*`, names, or objects: `populate[rel][fields][0]=name`"),
        ]
    if ct.draft_and_publish:
        params.append(_param(
            "status", {"type": "string", "enum": ["draft", "published"], "default": "published"},
            "Draft & publish: `published` (default) reads and writes the published version; `draft` reads "
            "the latest edits, or writes the draft only" if action != "delete" else
            "Draft & publish: accepted; a delete removes every version"))
    if ct.localized:
        params.append(_param(
            "locale", {"type": "string"},
            "i18n: the locale's code (`fr`); the default locale when absent; an unknown one is a 400"
            if action != "delete" else
            "i18n: the locale whose versions go (the default locale when absent); `*`: every locale"))
    return params


def json_response(schema: Schema, description: str) -> Schema:
    """A response (or request body) whose content is JSON of ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_json = json_response


def operation(ct: ContentType, action: str, single: bool = False) -> Schema:
    """One operation: parameters, body, its success response and the error responses."""
    doc, name = ref(ct.model_name), ct.singular_name
    has_id = not single and action in ("findOne", "update", "delete")
    is_list = action == "find" and not single
    scope = "find" if is_list else "delete" if action == "delete" else "findOne"
    op: Schema = {"operationId": f"{name}.{action}", "tags": [name], "summary": f"{action} {ct.display_name}",
                  "parameters": [{"$ref": "#/components/parameters/documentId"}] * has_id
                  + query_parameters(ct, scope)}
    if action in ("create", "update"):
        data = ref(f"{ct.model_name}Input")
        if action == "create" and required(ct):
            data = {"allOf": [data, {"required": required(ct)}]}
        body = {"type": "object", "required": ["data"], "properties": {"data": data}}
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if is_list:
        meta = closed({"pagination": {"oneOf": [ref("PaginationPage"), ref("PaginationOffset")]}})
        page = closed({"data": {"type": "array", "items": doc}, "meta": meta}, ["data", "meta"])
        ok = {"200": _json(page, "A page of documents")}
    elif action == "delete":
        ok = {"204": {"description": "Deleted (no body)"}}
    else:
        answer = _json(closed({"data": doc, "meta": closed({})}, ["data", "meta"]), "The document")
        if action == "create":  # links let schemathesis chain create → findOne/update/delete
            answer["links"] = {a: {"operationId": f"{name}.{a}",
                                   "parameters": {"documentId": "$response.body#/data/documentId"}}
                               for a in ("findOne", "update", "delete")}
        ok = {"201" if action == "create" else "200": answer}
    errors = [400, 401, 403, *[404] * (has_id or single), *[413] * ("requestBody" in op), 429, 500]
    op["responses"] = {**ok, **{str(s): {"$ref": f"#/components/responses/E{s}"} for s in errors}}
    return op


def paths_of(ct: ContentType, prefix: str) -> dict[str, Schema]:
    methods = (("get", "findOne"), ("put", "update"), ("delete", "delete"))
    if ct.is_single:
        single = {m: operation(ct, "find" if a == "findOne" else a, single=True) for m, a in methods}
        return {f"{prefix}/{ct.singular_name}": single}
    base = f"{prefix}/{ct.plural_name}"
    return {base: {"get": operation(ct, "find"), "post": operation(ct, "create")},
            base + "/{documentId}": {m: operation(ct, a) for m, a in methods}}


def shared_schemas() -> Schema:
    """Error envelope, the two pagination shapes and the relation write syntax."""
    count, limit = {"type": "integer", "minimum": 0}, {"type": "integer", "minimum": -1}
    reference = {"type": "object", "anyOf": [{"required": ["documentId"]}, {"required": ["id"]}],
                 "properties": {"documentId": {"type": "string", "minLength": 1}, "id": {"type": "integer"},
                                "position": {"type": "object"}, "locale": {"type": "string"}}}
    refs = {"anyOf": [ref("RelationReference"), {"type": "array", "items": ref("RelationReference")}]}
    error = {"type": "object", "required": ["status", "name", "message"], "properties": {
        "status": {"type": "integer"}, "name": {"type": "string"}, "message": {"type": "string"},
        "details": {"type": "object"}}}
    return {
        "Error": closed({"data": {"type": "null"}, "error": error}, ["data", "error"]),
        "PaginationPage": closed({"page": {"type": "integer", "minimum": 1}, "pageSize": limit,
                                  "pageCount": count, "total": count}, ["page", "pageSize"]),
        "PaginationOffset": closed({"start": count, "limit": limit, "total": count}, ["start", "limit"]),
        "RelationReference": {"description": "A related entry's documentId, or {documentId}",
                              "anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}, reference]},
        "RelationWrite": {"description": "A reference, a list of them (= set), or connect/disconnect/set",
                          "anyOf": [{"type": "null"}, refs, closed({"set": refs}, ["set"]),
                                    closed({"connect": refs, "disconnect": refs})]},
    }


def build_openapi(registry: Registry, prefix: str, title: str = "CMS API",
                  routes: dict[str, dict[str, Any]] | None = None, version: str = "1.0.0",
                  route_schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole document. ``routes`` (Sanic path → method → operation, from plugins and the
    core's own routes) may add operations, not replace the content types' ones."""
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    schemas, paths, tags = {**shared_schemas(), **component_schemas(registry)}, {}, []
    for ct in reachable(registry):
        schemas[ct.model_name] = document_schema(ct, registry)
        if exposed(ct):
            schemas[f"{ct.model_name}Input"] = write_schema(ct)
            schemas[f"{ct.model_name}Filters"] = filters_schema(ct)
            tags.append({"name": ct.singular_name, "description": ct.description or ct.display_name})
            paths.update(paths_of(ct, prefix))
    for name, schema in (route_schemas or {}).items():
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"a route's OpenAPI schema {name!r} clashes with a content type's")
        schemas[name] = schema
    for sanic_path, item in (routes or {}).items():
        path, parameters = openapi_path(sanic_path)
        clash = set(item) & set(paths.get(path, {}))
        if clash:
            raise ValueError(f"route {path} redefines {', '.join(sorted(clash))}")
        item = {method: _with_path_parameters(op, parameters) for method, op in item.items()}
        paths[path] = {**paths.get(path, {}), **item}
        for op in item.values():  # each tag once, also one that two methods of this path share
            for tag in op.get("tags", ()):
                if all(tag != known["name"] for known in tags):
                    tags.append({"name": tag})
    document_id = {"name": "documentId", "in": "path", "required": True, "schema": {
        "type": "string", "pattern": "^[A-Za-z0-9]+$", "example": "znrlzntu9ei5onjvwfaalu2v"}}
    bearer = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "JWT or API token"}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Strapi v5's REST contract, generated from the content types."},
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas, "parameters": {"documentId": document_id},
            "responses": {f"E{s}": _json(ref("Error"), text) for s, text in _ERRORS.items()},
            "securitySchemes": {"bearerAuth": bearer}},
        "security": [{}, {"bearerAuth": []}],  # anonymous (the public role) or a bearer token
    }


# -- routes that are not a content type's: plugins and the core ----------------------------


def openapi_path(sanic_path: str) -> tuple[str, list[Schema]]:
    """``/users/<user_id:int>`` as ``/users/{user_id}``, with its path parameters."""
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": dict(_SEGMENT_TYPES.get(kind or "str", {"type": "string"}))}
                  for name, kind in SANIC_SEGMENT.findall(sanic_path)]
    return SANIC_SEGMENT.sub(r"{\1}", sanic_path), parameters


def _with_path_parameters(op: Schema, parameters: list[Schema]) -> Schema:
    declared = {p.get("name") for p in op.get("parameters", ()) if p.get("in") == "path"}
    missing = [p for p in parameters if p["name"] not in declared]
    return {**op, "parameters": [*missing, *op.get("parameters", ())]} if missing else op


def error_responses(*statuses: int) -> dict[str, Schema]:
    """References to the shared error responses (Strapi's envelope), e.g. ``error_responses(400, 403)``."""
    unknown = set(statuses) - set(_ERRORS)
    if unknown:
        raise ValueError(f"no shared error response for {sorted(unknown)}")
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def json_body(schema: Schema, required: bool = True) -> Schema:
    """A JSON request body."""
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def route_operation(operation_id: str, tag: str, summary: str, responses: dict[str, Schema], *,
                    errors: tuple[int, ...] = (400, 401, 403, 429, 500), body: Schema | None = None,
                    parameters: list[Schema] | None = None, description: str | None = None) -> Schema:
    """An operation in the style of the content types' ones: its successes, then the shared
    errors it can answer (plus 413 when it takes a body)."""
    op: Schema = {"operationId": operation_id, "tags": [tag], "summary": summary}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = body
        errors = tuple(sorted({*errors, 413}))
    op["responses"] = {**responses, **error_responses(*errors)}
    return op


def type_schemas(ct: ContentType, registry: Registry) -> dict[str, Schema]:
    """A (possibly unexposed) type's document and filters schemas, under the names that
    :func:`query_parameters` refers to: for routes that serve such a type their own way
    (users_permissions' ``/users``)."""
    documents = {t.model_name: document_schema(t, registry) for t in reachable(registry, [ct])}
    return {**documents, f"{ct.model_name}Filters": filters_schema(ct)}
