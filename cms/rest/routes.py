"""Routes derived from the registry: five per collection type, three per single type.

Action names are Strapi's (``api::message.message.find``); they are what roles
are granted. Types with draft & publish have ``publish`` as well. A type can opt out of the generated routes with
``"pluginOptions": {"content-api": {"visible": false}}`` (a plugin then serves
it its own way, as users_permissions does for users).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cms.content import ContentType
from cms.rest.controller import Controller

if TYPE_CHECKING:
    from cms.app import CMS

COLLECTION_ACTIONS = ("find", "findOne", "create", "update", "delete")
SINGLE_ACTIONS = ("find", "update", "delete")


def exposed(ct: ContentType) -> bool:
    options = ct.plugin_options.get("content-api", {})
    return not (isinstance(options, dict) and options.get("visible") is False)


def actions_of(ct: ContentType) -> list[str]:
    """The type's actions; a draft & publish type also has ``publish`` (Strapi's admin
    action: REST writes do not ask for it, as in Strapi, whose content API publishes
    with the ``create``/``update`` grant; it is there to be granted and checked by
    whoever publishes outside REST)."""
    actions = SINGLE_ACTIONS if ct.is_single else COLLECTION_ACTIONS
    if ct.draft_and_publish:
        actions = (*actions, "publish")
    return [f"{ct.uid}.{a}" for a in actions]


def build_routes(app: CMS) -> None:
    """Add the REST routes of every exposed content type, and declare their actions."""
    prefix = app.settings.api.prefix.rstrip("/")
    for ct in app.registry:
        if not exposed(ct):
            continue
        app.add_actions(actions_of(ct))
        controller = Controller(app, ct)
        name = ct.singular_name.replace("-", "_")
        if ct.is_single:
            base = f"{prefix}/{ct.singular_name}"
            app.add_route(controller.find_single, base, ["GET"], name=f"{name}.find")
            app.add_route(controller.update_single, base, ["PUT"], name=f"{name}.update")
            app.add_route(controller.delete_single, base, ["DELETE"], name=f"{name}.delete")
            continue
        base = f"{prefix}/{ct.plural_name}"
        app.add_route(controller.find, base, ["GET"], name=f"{name}.find")
        app.add_route(controller.create, base, ["POST"], name=f"{name}.create")
        app.add_route(controller.find_one, f"{base}/<document_id:str>", ["GET"], name=f"{name}.findOne")
        app.add_route(controller.update, f"{base}/<document_id:str>", ["PUT"], name=f"{name}.update")
        app.add_route(controller.delete, f"{base}/<document_id:str>", ["DELETE"], name=f"{name}.delete")
