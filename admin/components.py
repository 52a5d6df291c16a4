"""Components and dynamic zones in the admin: nested forms, readable detail pages, list columns.

A component or dynamic-zone attribute (:mod:`cms.models.components`) is one
form field, :class:`ComponentField`: a JSON text area holding the whole value
(what the form posts, and all there is without JavaScript: nothing is lost),
which ``static/components.js`` hides behind a form built from the component
schemas it gets as JSON (:func:`schema_of`): a fieldset per component, items
of repeatable components and dynamic zones to add (a zone: of a kind picked
from its components), move up and down and remove, ``max`` respected. Every
change is written back to the text area, items with their ``id``, so the core
updates kept items, creates new ones and deletes the others.

Relations and media inside components are edited by id (a text box, with the
related entries' names beside it) and a search box under it over the same
relation lookup as the top-level pickers (type part of a name, pick); the media
library's grid and uploads are not offered there. The core's errors point into the value (``["blocks", 1, "title"]``):
:func:`admin.fields.form_errors` keeps the part after the attribute (``"1.title"``)
and the script puts each message beside its nested input (without JavaScript they
are listed under the text area).

A non-repeatable component's display field (its first text attribute) is also
a list column, ``Seo › Meta title``, sorted through the component
(``sort=seo.metaTitle``) by the core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette_admin import BaseField, StringField
from starlette_admin.helpers import static_url
from starlette_admin.types import RequestAction

from admin.editors import ASSETS_VERSION, InvalidJSON, refuse_invalid_json
from admin.urls import detail_url
from cms.content import Attribute, ContentType
from cms.query.ast import Populate

if TYPE_CHECKING:
    from admin.views import ContentTypeView

#: attribute types that can name a component item (its display field)
_LABEL_TYPES = ("string", "email", "uid", "enumeration", "text")
#: what a media file inside a component is read with (its name and where it is)
_MEDIA_FIELDS = ("name", "url", "mime")


def _label_of(name: str) -> str:
    from admin.fields import label_of  # admin.fields imports this module

    return label_of(name)


def component_display_field(component: ContentType) -> str | None:
    for attr in component.attributes.values():
        if attr.type in _LABEL_TYPES and not attr.hidden and attr.type != "text":
            return attr.name
    return None


class Schemas:
    """The component schemas of one view, as the page's script and the Python helpers read them."""

    def __init__(self, view: ContentTypeView) -> None:
        self.view = view
        self.registry = view.app.registry

    def component(self, uid: str) -> ContentType:
        return self.registry.component(uid)

    def target_label(self, attr: Attribute) -> str | None:
        if attr.type == "media":
            return "name"
        key = self.view.site.key_for(attr.target or "")
        return self.view.site.view(key).label_field if key else None

    # -- what the script builds the form from --------------------------------------------

    def describe(self, attr: Attribute) -> dict[str, Any]:
        """One component attribute (of the type or of a component) for ``static/components.js``."""
        uids = list(attr.components) if attr.type == "dynamiczone" else [attr.component or ""]
        return {"name": attr.name, "label": _label_of(attr.name), "type": attr.type, "repeatable": attr.is_list,
                "required": attr.required, "min": attr.min, "max": attr.max, "components": uids}

    def catalogue(self, attr: Attribute, found: dict[str, Any] | None = None) -> dict[str, Any]:
        """Every component reachable from ``attr``, by UID: display name and fields."""
        found = {} if found is None else found
        uids = list(attr.components) if attr.type == "dynamiczone" else [attr.component or ""]
        for uid in uids:
            if uid in found:
                continue
            component = self.component(uid)
            fields: list[dict[str, Any]] = []
            found[uid] = {"uid": uid, "displayName": component.display_name, "fields": fields}
            for inner in component.attributes.values():
                if inner.hidden or inner.raw.get("visible") is False or not inner.writable:
                    continue
                if inner.is_component:
                    fields.append(self.describe(inner))
                    self.catalogue(inner, found)
                    continue
                fields.append({"name": inner.name, "label": _label_of(inner.name), "type": inner.type,
                               "required": inner.required, "enum": list(inner.enum),
                               "toMany": inner.is_relation and inner.is_to_many,
                               "target": _target(inner) if inner.is_relation else None,
                               "min": inner.min, "max": inner.max, "maxLength": inner.max_length})
        return found

    # -- what reads of the form and of the detail page populate ---------------------------

    def populate(self, attr: Attribute) -> Populate:
        """Everything inside ``attr``: nested components, relations (their label) and media."""
        if attr.type == "dynamiczone":
            return Populate(on={uid: Populate(populate=self._inside(self.component(uid))) for uid in attr.components})
        return Populate(populate=self._inside(self.component(attr.component or "")))

    def _inside(self, component: ContentType) -> dict[str, Populate]:
        inside: dict[str, Populate] = {}
        for attr in component.attributes.values():
            if attr.hidden:
                continue
            if attr.is_component:
                inside[attr.name] = self.populate(attr)
            elif attr.type == "media":
                inside[attr.name] = Populate(fields=_MEDIA_FIELDS)
            elif attr.is_relation:
                label = self.target_label(attr)
                inside[attr.name] = Populate(fields=(label,) if label else ())
        return inside

    # -- a populated value → the form's JSON (relations as ids) and their names --------------

    def form_value(self, attr: Attribute, value: Any, labels: dict[str, dict[str, str]]) -> Any:
        if value is None:
            return [] if attr.is_list else None
        if attr.is_list:
            return [self._form_item(attr, item, labels) for item in value if isinstance(item, dict)]
        return self._form_item(attr, value, labels) if isinstance(value, dict) else None

    def _form_item(self, owner: Attribute, item: dict[str, Any], labels: dict[str, dict[str, str]]) -> dict[str, Any]:
        uid = item.get("__component") if owner.type == "dynamiczone" else owner.component
        component = self.registry.components.get(uid or "")
        shown: dict[str, Any] = {}
        if owner.type == "dynamiczone":
            shown["__component"] = uid
        if item.get("id") is not None:
            shown["id"] = item["id"]
        if component is None:
            return {**item, **shown}
        for attr in component.attributes.values():
            if attr.name not in item or attr.hidden or not attr.writable:
                continue
            value = item[attr.name]
            if attr.is_component:
                shown[attr.name] = self.form_value(attr, value, labels)
            elif attr.is_relation:
                label = self.target_label(attr)
                names = labels.setdefault(_target(attr), {})
                docs = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
                for doc in docs:
                    if isinstance(doc, dict) and doc.get("id") is not None:
                        name = doc.get(label) if label else None
                        names[str(doc["id"])] = str(name) if name not in (None, "") else f"#{doc['id']}"
                ids = [doc["id"] for doc in docs if isinstance(doc, dict) and "id" in doc]
                shown[attr.name] = ids if attr.is_to_many else (ids[0] if ids else None)
            else:
                shown[attr.name] = value
        return shown

    # -- a populated value → the detail page's HTML -------------------------------------------

    def html(self, request: Request, attr: Attribute, value: Any) -> Markup:
        if value in (None, []):
            return Markup('<span class="text-secondary">—</span>')
        if not attr.is_list:
            return self._item_html(request, attr, value, None)
        parts = [Markup('<li class="cms-component-item">') + self._item_html(request, attr, item, index)
                 + Markup("</li>") for index, item in enumerate(value) if isinstance(item, dict)]
        return Markup('<ol class="cms-component-list list-unstyled mb-0">') + Markup("").join(parts) + Markup("</ol>")

    def _item_html(self, request: Request, owner: Attribute, item: dict[str, Any], index: int | None) -> Markup:
        uid = item.get("__component") if owner.type == "dynamiczone" else owner.component
        component = self.registry.components.get(uid or "")
        title = component.display_name if component else str(uid)
        if index is not None:
            title = f"{index + 1}. {title}"
        rows = []
        for attr in component.attributes.values() if component else ():
            if attr.hidden or attr.raw.get("visible") is False:
                continue
            value = item.get(attr.name)
            if attr.is_component:
                shown = self.html(request, attr, value)
            elif attr.is_relation:
                shown = self._relation_html(request, attr, value)
            else:
                shown = _scalar_html(value)
            rows.append(Markup('<dt class="col-sm-3">{}</dt><dd class="col-sm-9 mb-1" data-field="{}">{}</dd>').format(
                _label_of(attr.name), attr.name, shown))
        return Markup('<div class="cms-component card card-sm mb-2" data-component="{}"><div class="card-body py-2">'
                      '<div class="fw-bold mb-1">{}</div><dl class="row mb-0">{}</dl></div></div>').format(
            uid or "", title, Markup("").join(rows))

    def _relation_html(self, request: Request, attr: Attribute, value: Any) -> Markup:
        docs = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        if not docs:
            return Markup('<span class="text-secondary">—</span>')
        key = self.view.site.key_for(attr.target or "")
        label = self.target_label(attr)
        links = []
        for doc in docs:
            name = doc.get(label) if label else None
            text = str(name) if name not in (None, "") else f"#{doc.get('id')}"
            if attr.type == "media" and doc.get("url"):
                links.append(Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(doc["url"], text))
            elif key is not None:
                links.append(Markup('<a href="{}">{}</a>').format(detail_url(request, key, doc.get("id")), text))
            else:
                links.append(escape(text))
        return Markup(", ").join(links)


def _target(attr: Attribute) -> str:
    """Where the names of a relation's entries are kept in the page's ``labels`` (media: files)."""
    return attr.target or ("media" if attr.type == "media" else "")


def _scalar_html(value: Any) -> Markup:
    if value is None or value == "":
        return Markup('<span class="text-secondary">—</span>')
    if isinstance(value, bool):
        return Markup("Yes" if value else "No")
    if isinstance(value, (dict, list)):
        return Markup("<code>{}</code>").format(orjson.dumps(value).decode())
    return Markup('<span class="cms-pre">{}</span>').format(str(value))


@dataclass
class ComponentField(BaseField):
    """A component, repeatable component or dynamic zone: nested fieldsets over a JSON text area."""

    attribute: Attribute | None = None
    schemas: Schemas | None = None
    rows: int = 8
    form_template: str = "fields/form/components.html"
    detail_template: str = "fields/detail/components.html"
    exclude_from_list: bool | None = True
    exclude_from_export: bool | None = True
    orderable: bool | None = False
    searchable: bool | None = False
    validators: list[Any] = field(default_factory=lambda: [refuse_invalid_json])

    async def parse_form_data(self, request: Request, form_data: FormData) -> Any:
        raw = form_data.get(self.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            value = orjson.loads(str(raw))
        except orjson.JSONDecodeError as exc:
            return InvalidJSON(str(raw), f"This is not valid JSON: {exc}")
        assert self.attribute is not None
        if self.attribute.is_list and not isinstance(value, list):
            return InvalidJSON(str(raw), "This must be a JSON list of items")
        if not self.attribute.is_list and not isinstance(value, dict):
            return InvalidJSON(str(raw), "This must be a JSON object")
        return value

    async def serialize_value(self, request: Request, value: Any) -> Any:
        assert self.attribute is not None and self.schemas is not None
        if isinstance(value, orjson.Fragment):
            value = orjson.loads(orjson.dumps(value))
        action = request.state.action
        if action == RequestAction.DETAIL:
            return self.schemas.html(request, self.attribute, value)
        if action is not None and action.is_form():
            labels = _labels(request)
            return self.schemas.form_value(self.attribute, value, labels)
        return value

    async def serialize_none_value(self, request: Request) -> Any:
        return None

    # -- for the form template ------------------------------------------------------------

    def text(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()

    def config(self, request: Request, error: Any) -> str:
        """What the script needs: the attribute, the component schemas, errors, related names."""
        assert self.attribute is not None and self.schemas is not None
        errors = error if isinstance(error, dict) else ({"": str(error)} if error else {})
        catalogue = self.schemas.catalogue(self.attribute)
        lookups: dict[str, str] = {}  # per target, the relation pickers' search (starlette-admin's lookup)
        for component in catalogue.values():
            for inner in component["fields"]:
                target = inner.get("target")
                if target and target not in lookups:
                    key = self.schemas.view.site.key_for("plugin::upload.file" if target == "media" else target)
                    if key is not None:
                        lookups[target] = str(request.url_for("admin:relation-lookup", key=key))
        return orjson.dumps({
            "attribute": self.schemas.describe(self.attribute),
            "components": catalogue,
            "errors": errors,
            "labels": _labels(request),
            "lookups": lookups,
        }).decode()

    def error_list(self, error: Any) -> list[tuple[str, str]]:
        """(where, message) pairs shown under the text area (the script moves them to their inputs)."""
        if not error:
            return []
        if not isinstance(error, dict):
            return [("", str(error))]
        return [(" › ".join(str(int(p) + 1) if p.isdigit() else _label_of(p) for p in key.split(".")) if key else "",
                 str(message)) for key, message in error.items()]

    def additional_css_links(self, request: Request) -> list[str]:
        return [static_url(request, "components.css", v=ASSETS_VERSION)] \
            if request.state.action in (RequestAction.DETAIL,) or self._needs_form_assets(request) else []

    def additional_js_links(self, request: Request) -> list[str]:
        return [static_url(request, "components.js", v=ASSETS_VERSION)] if self._needs_form_assets(request) else []


def _labels(request: Request) -> dict[str, dict[str, str]]:
    labels = getattr(request.state, "cms_component_labels", None)
    if labels is None:
        labels = {}
        request.state.cms_component_labels = labels
    return labels


def component_field(view: ContentTypeView, attr: Attribute, schemas: Schemas) -> ComponentField:
    component_names = [schemas.component(uid).display_name
                       for uid in (attr.components if attr.type == "dynamiczone" else (attr.component or "",))]
    rules = []
    if attr.type == "dynamiczone":
        rules.append("blocks of: " + ", ".join(component_names))
    elif attr.is_list:
        rules.append(f"list of {component_names[0]}")
    if attr.required:
        rules.append("required")
    if attr.min is not None:
        rules.append(f"at least {int(attr.min)}")
    if attr.max is not None:
        rules.append(f"at most {int(attr.max)}")
    return ComponentField(attr.name, label=_label_of(attr.name), help_text=" · ".join(rules) or None,
                          attribute=attr, schemas=schemas)


@dataclass
class ComponentColumn(StringField):
    """One field of a non-repeatable component as a list column (``Seo › Meta title``)."""

    component_attr: str = ""
    inner: str = ""

    async def parse_obj(self, request: Request, obj: Any) -> Any:
        value = getattr(obj, self.component_attr, None)
        if isinstance(value, orjson.Fragment):
            value = orjson.loads(orjson.dumps(value))
        return value.get(self.inner) if isinstance(value, dict) else None


def component_columns(attr: Attribute, schemas: Schemas) -> list[ComponentColumn]:
    if attr.type != "component" or attr.is_list:
        return []
    component = schemas.component(attr.component or "")
    inner = component_display_field(component)
    if inner is None:
        return []
    owner = _label_of(attr.name)
    if len(attr.name) <= 3:  # an acronym: seo → SEO
        owner = owner.upper()
    return [ComponentColumn(f"{attr.name}__{inner}", label=f"{owner} › {_label_of(inner)}",
                            component_attr=attr.name, inner=inner, exclude_from_detail=True,
                            exclude_from_create=True, exclude_from_edit=True, exclude_from_export=True,
                            read_only=True, orderable=True)]

