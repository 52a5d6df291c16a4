"""The OpenAPI 3.1 document of the REST API, derived from the registry.

Like the routes, it is generated from the content types, so it can never
drift from them. It describes what the server really does, tightly enough that
schemathesis can check live responses against it: documents declare every key
the reader can emit (and nothing else, ``additionalProperties: false``), every
scalar may be null (columns are nullable), and bodies follow
:mod:`cms.validation` (required only on create, and only without a default).
"""

from __future__ import annotations

from typing import Any

from cms.content import Attribute, ContentType, Registry
from cms.rest.routes import exposed

Schema = dict[str, Any]
SCHEMAS = "#/components/schemas/"
INT32 = (-2_147_483_648, 2_147_483_647)
INT64 = (-9_223_372_036_854_775_808, 9_223_372_036_854_775_807)
TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"
_STRING_OPS = ("$eqi", "$nei", "$contains", "$notContains", "$containsi", "$notContainsi",
               "$startsWith", "$startsWithi", "$endsWith", "$endsWithi")
_ERRORS = {400: "ValidationError (bad query, body or pagination)", 401: "UnauthorizedError",
           403: "ForbiddenError", 404: "NotFoundError", 413: "PayloadTooLargeError",
           429: "RateLimitError", 500: "InternalServerError"}
_SYSTEM = {"id": {"type": "integer"}, "documentId": {"type": "string"},
           "createdAt": {"type": "string", "format": "date-time"},
           "updatedAt": {"type": "string", "format": "date-time"}}


def ref(name: str) -> Schema:
    return {"$ref": SCHEMAS + name}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null (JSON Schema 2020-12 style: ``type`` lists)."""
    if "type" not in schema:
        return schema if not schema else {"anyOf": [schema, {"type": "null"}]}
    out = {**schema, "type": [schema["type"], "null"]}
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def value_schema(attr: Attribute) -> Schema:
    """A scalar as the API shows it: in output documents and in filter values."""
    if attr.type == "enumeration":
        return {"type": "string", "enum": list(attr.enum)}
    if attr.type == "biginteger":
        return {"type": "string", "pattern": r"^-?\d+$"}
    return {
        "string": {"type": "string"}, "integer": {"type": "integer"},
        "number": {"type": "number"}, "decimal": {"type": "number"},
        "boolean": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
        "time": {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"},
        "datetime": {"type": "string", "format": "date-time"},
    }.get(attr.kind.value, {})


def input_schema(attr: Attribute) -> Schema:
    """A scalar as ``cms.validation`` accepts it on write (its rules, as keywords)."""
    kind = attr.kind.value
    if kind == "string":
        schema: Schema = {"type": "string", "enum": list(attr.enum)} if attr.enum else {"type": "string"}
        bounds = (("minLength", attr.min_length), ("maxLength", attr.max_length), ("pattern", attr.regex))
        schema.update({key: value for key, value in bounds if value is not None})
        if attr.type == "uid":
            schema = {"allOf": [schema, {"pattern": r"^[A-Za-z0-9\-_.~]*$"}]} if attr.regex else {**schema, "pattern": r"^[A-Za-z0-9\-_.~]*$"}
        extra = {"email": {"format": "email"}, "password": {"format": "password", "writeOnly": True}}
        return {**schema, **extra.get(attr.type, {}), **({"writeOnly": True} if attr.private else {})}
    if kind in ("integer", "number", "decimal"):
        low, high = INT64 if attr.type == "biginteger" else INT32 if kind == "integer" else (None, None)
        schema = {"type": "integer" if kind == "integer" else "number"}
        for key, limit, pick in (("minimum", attr.min, max), ("maximum", attr.max, min)):
            bound = low if key == "minimum" else high
            value = limit if bound is None else bound if limit is None else pick(limit, bound)
            if value is not None:
                schema[key] = value
        if attr.type == "biginteger" and attr.min is None and attr.max is None:
            schema.update(type=["integer", "string"], pattern=r"^-?\d{1,18}$")
        return schema
    if kind == "time":
        return {"type": "string", "pattern": TIME}
    return value_schema(attr)  # boolean, date, datetime; json/blocks: any value


def reachable(registry: Registry) -> list[ContentType]:
    """Exposed types and every type a populated relation can show."""
    seen: dict[str, ContentType] = {}
    todo = [ct for ct in registry if exposed(ct)]
    while todo:
        ct = todo.pop(0)
        if ct.uid in seen:
            continue
        seen[ct.uid] = ct
        todo += [registry.get(a.target) for a in ct.attributes.values()
                 if not a.is_scalar and not a.hidden and a.target in registry]
    return [ct for ct in registry if ct.uid in seen]


def document_schema(ct: ContentType, registry: Registry) -> Schema:
    """A document as the reader emits it; relations only appear when populated."""
    props: Schema = {"id": _SYSTEM["id"], "documentId": _SYSTEM["documentId"]}
    for attr in ct.attributes.values():
        if attr.hidden:
            continue
        if attr.is_scalar:
            props[attr.name] = nullable(value_schema(attr))
        elif attr.target in registry:
            target = ref(registry.get(attr.target or "").model_name)
            props[attr.name] = {"type": "array", "items": target} if attr.is_to_many else {"anyOf": [target, {"type": "null"}]}
    props.update(createdAt=_SYSTEM["createdAt"], updatedAt=_SYSTEM["updatedAt"],
                 publishedAt=nullable({"type": "string", "format": "date-time"}))
    return {"type": "object", "title": ct.display_name, "description": ct.description,
            "properties": props, "required": ["id", "documentId"], "additionalProperties": False}


def write_schema(ct: ContentType) -> Schema:
    """The ``data`` object of a write; POST adds the required list (see :func:`required`)."""
    props: Schema = {}
    for attr in ct.attributes.values():
        if not attr.writable or attr.type == "media":  # media needs the upload plugin
            continue
        if attr.is_relation:
            props[attr.name] = {**ref("RelationWrite"), "description": f"{attr.relation} → {attr.target}"}
        else:
            schema = input_schema(attr)
            props[attr.name] = schema if attr.required else nullable(schema)
    return {"type": "object", "properties": props, "additionalProperties": False}


def required(ct: ContentType) -> list[str]:
    """What a create must carry: required attributes the server cannot fill with a default."""
    return [a.name for a in ct.attributes.values()
            if a.required and a.writable and a.type != "media" and a.default is None]


def filters_schema(ct: ContentType) -> Schema:
    """``filters``: attributes (a value or an operator object), relations, ``$and/$or/$not``."""
    props: Schema = {}
    system = [Attribute("id", "integer"), Attribute("documentId", "string"),
              *(Attribute(n, "datetime") for n in ("createdAt", "updatedAt", "publishedAt"))]
    for attr in [*system, *ct.attributes.values()]:
        if attr.hidden:
            continue
        if not attr.is_scalar:
            props[attr.name] = {"type": "object", "description": f"filters on {attr.target}"}
            continue
        value = value_schema(attr) if attr.type != "biginteger" else {"type": "integer"}
        ops: Schema = {"$null": {"type": "boolean"}, "$notNull": {"type": "boolean"}}
        if attr.kind.value != "json":
            ops.update({op: value for op in ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte")})
            ops.update({op: {"type": "array", "items": value} for op in ("$in", "$notIn")})
            ops["$between"] = {"type": "array", "items": value, "minItems": 2, "maxItems": 2}
        if attr.kind.value == "string":
            ops.update({op: value for op in _STRING_OPS})
        operators = {"type": "object", "properties": ops, "additionalProperties": False}
        props[attr.name] = {"anyOf": [value, operators]} if value else operators
    logic = {"type": "array", "items": {"type": "object"}}
    props.update({"$and": logic, "$or": logic, "$not": {"type": "object"}})
    return {"type": "object", "properties": props, "additionalProperties": False}


def _param(name: str, schema: Schema, description: str, **extra: Any) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description, **extra}


def _one_or_many(names: list[str]) -> Schema:
    item = {"type": "string", "enum": names} if names else {"type": "string"}
    return {"anyOf": [item, {"type": "array", "items": item}]}


def query_parameters(ct: ContentType, action: str) -> list[Schema]:
    """Strapi's query parameters for one action (find lists take them all)."""
    visible = [a for a in ct.attributes.values() if not a.hidden]
    scalars = ["id", "documentId", *(a.name for a in visible if a.is_scalar), "createdAt", "updatedAt", "publishedAt"]
    relations = [a.name for a in visible if not a.is_scalar]
    params: list[Schema] = []
    if action == "find":
        sortable = [a for a in scalars if ct.attributes.get(a) is None or ct.attributes[a].kind.value != "json"]
        params += [
            _param("filters", ref(f"{ct.model_name}Filters"), "Strapi filters, e.g. `filters[title][$contains]=hi`.",
                   style="deepObject", explode=True),
            _param("sort", _one_or_many([f"{n}{d}" for n in sortable for d in ("", ":asc", ":desc")]),
                   "`field[:asc|desc]`; also comma lists and `relation.field` paths."),
            _param("pagination[page]", {"type": "integer", "minimum": 1}, "Page number (page mode)."),
            _param("pagination[pageSize]", {"type": "integer", "minimum": 1}, "Entries per page (capped)."),
            _param("pagination[withCount]", {"type": "boolean"}, "Count the total (default true)."),
            _param("pagination[start]", {"type": "integer", "minimum": 0}, "Offset (offset mode)."),
            _param("pagination[limit]", {"type": "integer", "minimum": -1}, "Entries (offset mode; -1 = max)."),
            _param("_q", {"type": "string"}, "Case-insensitive search over the string attributes."),
        ]
    if action != "delete":
        params += [
            _param("fields", _one_or_many(scalars), "Scalar attributes to return; `id` and `documentId` always are."),
            _param("populate", _one_or_many(["*", *relations]),
                   "Relations to include: `*`, names, or the object form `populate[rel][fields][0]=name`."),
        ]
    if ct.draft_and_publish:
        params.append(_param("status", {"type": "string", "enum": ["draft", "published"]}, "Draft or published version."))
    if isinstance(ct.plugin_options.get("i18n"), dict) and ct.plugin_options["i18n"].get("localized"):
        params.append(_param("locale", {"type": "string"}, "Locale code."))
    return params


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _envelope(data: Schema, meta: Schema | None = None) -> Schema:
    return {"type": "object", "required": ["data", "meta"], "additionalProperties": False,
            "properties": {"data": data, "meta": meta or {"type": "object", "additionalProperties": False}}}


def operation(ct: ContentType, action: str, single: bool = False) -> Schema:
    """One operation: parameters, body, the success response and the error responses."""
    doc = ref(ct.model_name)
    has_id = not single and action in ("findOne", "update", "delete")
    body_kind = {"create": "POST", "update": "PUT"}.get(action)
    op: Schema = {"operationId": f"{ct.singular_name}.{action}", "tags": [ct.singular_name],
                  "summary": f"{action} {ct.display_name}", "parameters": []}
    if has_id:
        op["parameters"].append({"$ref": "#/components/parameters/documentId"})
    op["parameters"] += query_parameters(ct, "find" if action == "find" and not single else "delete" if action == "delete" else "findOne")
    if body_kind:
        data = ref(f"{ct.model_name}Input")
        if body_kind == "POST" and required(ct):
            data = {"allOf": [data, {"required": required(ct)}]}
        body = {"type": "object", "required": ["data"], "properties": {"data": data}}
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if action == "find" and not single:
        meta = {"type": "object", "additionalProperties": False, "properties": {
            "pagination": {"oneOf": [ref("PaginationPage"), ref("PaginationOffset")]}}}
        ok = {"200": _json(_envelope({"type": "array", "items": doc}, meta), "A page of documents")}
    elif action == "delete":
        ok = {"204": {"description": "Deleted (no body)"}}
    elif action == "create":
        links = {name: {"operationId": f"{ct.singular_name}.{name}",
                        "parameters": {"documentId": "$response.body#/data/documentId"}}
                 for name in ("findOne", "update", "delete")}
        ok = {"201": {**_json(_envelope(doc), "Created"), "links": links}}
    else:
        ok = {"200": _json(_envelope(doc), "The document")}
    errors = [400, 401, 403, *([404] if has_id or single else []), *([413] if body_kind else []), 429, 500]
    op["responses"] = {**ok, **{str(s): {"$ref": f"#/components/responses/E{s}"} for s in errors}}
    return op


def paths_of(ct: ContentType, prefix: str) -> dict[str, Schema]:
    if ct.is_single:
        return {f"{prefix}/{ct.singular_name}": {a: operation(ct, name, single=True) for a, name in
                                                 (("get", "find"), ("put", "update"), ("delete", "delete"))}}
    base = f"{prefix}/{ct.plural_name}"
    return {base: {"get": operation(ct, "find"), "post": operation(ct, "create")},
            base + "/{documentId}": {m: operation(ct, a) for m, a in
                                     (("get", "findOne"), ("put", "update"), ("delete", "delete"))}}


def _shared_components() -> Schema:
    ref_item = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}, {
        "type": "object", "properties": {"documentId": {"type": "string", "minLength": 1}, "id": {"type": "integer"},
                                         "position": {"type": "object"}, "locale": {"type": "string"},
                                         "status": {"type": "string"}},
        "anyOf": [{"required": ["documentId"]}, {"required": ["id"]}]}]}
    refs = {"anyOf": [ref("RelationReference"), {"type": "array", "items": ref("RelationReference")}]}
    count = {"type": "integer", "minimum": 0}
    error = {"type": "object", "required": ["status", "name", "message"], "properties": {
        "status": {"type": "integer"}, "name": {"type": "string"}, "message": {"type": "string"},
        "details": {"type": "object"}}}
    return {
        "Error": {"type": "object", "required": ["data", "error"], "additionalProperties": False,
                  "properties": {"data": {"type": "null"}, "error": error}},
        "PaginationPage": {"type": "object", "required": ["page", "pageSize"], "additionalProperties": False,
                           "properties": {"page": {"type": "integer", "minimum": 1}, "pageSize": {"type": "integer", "minimum": -1},
                                          "pageCount": count, "total": count}},
        "PaginationOffset": {"type": "object", "required": ["start", "limit"], "additionalProperties": False,
                             "properties": {"start": count, "limit": {"type": "integer", "minimum": -1}, "total": count}},
        "RelationReference": {**ref_item, "description": "A documentId (or {documentId}) of the related entry"},
        "RelationWrite": {"description": "Strapi's relation syntax: a reference, a list (= set), or connect/disconnect/set",
                          "anyOf": [{"type": "null"}, refs,
                                    {"type": "object", "required": ["set"], "additionalProperties": False, "properties": {"set": refs}},
                                    {"type": "object", "additionalProperties": False,
                                     "properties": {"connect": refs, "disconnect": refs}}]},
    }


def build_openapi(registry: Registry, prefix: str, title: str = "CMS API",
                  extra_paths: dict[str, Any] | None = None, version: str = "1.0.0") -> dict[str, Any]:
    """The whole document; ``extra_paths`` (plugins' own routes) may not redefine an operation."""
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    schemas = _shared_components()
    paths: dict[str, Schema] = {}
    tags = []
    for ct in reachable(registry):
        schemas[ct.model_name] = document_schema(ct, registry)
        if exposed(ct):
            schemas[f"{ct.model_name}Input"] = write_schema(ct)
            schemas[f"{ct.model_name}Filters"] = filters_schema(ct)
            tags.append({"name": ct.singular_name, "description": ct.description or ct.display_name})
            paths.update(paths_of(ct, prefix))
    for path, item in (extra_paths or {}).items():
        clash = set(item) & set(paths.get(path, {}))
        if clash:
            raise ValueError(f"extra path {path} redefines {', '.join(sorted(clash))}")
        paths[path] = {**paths.get(path, {}), **item}
    responses = {f"E{s}": _json(ref("Error"), name) for s, name in _ERRORS.items()}
    document_id = {"name": "documentId", "in": "path", "required": True, "description": "The entry's documentId",
                   "schema": {"type": "string", "pattern": "^[A-Za-z0-9]+$", "example": "znrlzntu9ei5onjvwfaalu2v"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Strapi v5 compatible REST API, generated from the content types."},
        "tags": tags,
        "paths": paths,
        "components": {"schemas": schemas, "responses": responses, "parameters": {"documentId": document_id},
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                                          "description": "A user's JWT or an API token"}}},
        "security": [{}, {"bearerAuth": []}],
    }
