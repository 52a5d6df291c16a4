"""The assistant's page: its settings in force and the latest replies it wrote (``/admin/assistant``).

Listed only when the assistant plugin is enabled; it reads the plugin through the
service it provides (``app.service("assistant")``: ``summary()``, ``counters()``,
``recent()``, ``replies_today()``), never its modules. Every admin may look (the
replies are messages, which every admin can list anyway); nothing secret is
shown: the API key's variable name and whether it is set, never the key.
The template lives here, added to the admin's Jinja loader under
``assistant/page.html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, DictLoader
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette_admin import CustomView
from starlette_admin.routing import route

from admin.auth import account_of

if TYPE_CHECKING:
    from admin.site import Site

TEMPLATE = "assistant/page.html"
SOURCE = """{% extends "layout.html" %}
{% block header %}
    <div>
        <div class="page-pretitle">Plugins</div>
        <h1 class="page-title">Assistant overview</h1>
    </div>
{% endblock %}
{% block content %}
    <p class="text-secondary">While a user is busy, messages addressed to them are answered on their behalf.
        Settings are <code>[assistant]</code> in <code>config/plugins.toml</code> (read-only here);
        each user's own choice is an <em>Assistant setting</em> entry.</p>
    <div class="row row-cards">
        <div class="col-lg-5">
            <div class="card" data-testid="assistant-settings">
                <div class="card-header"><h3 class="card-title">Settings in force</h3></div>
                <table class="table table-vcenter card-table">
                    <tbody>
                        {% for key, value in summary %}
                            <tr><th class="w-50"><code>{{ key }}</code></th><td>{{ value }}</td></tr>
                        {% endfor %}
                    </tbody>
                </table>
            </div>
            <div class="card mt-3" data-testid="assistant-counters">
                <div class="card-header"><h3 class="card-title">Since this process started</h3>
                    <div class="card-actions text-secondary"><strong>{{ today }}</strong> replies in 24 hours (all processes)</div></div>
                <table class="table table-vcenter card-table">
                    <tbody>
                        {% for key, value in counters %}
                            <tr><th class="w-50">{{ key }}</th><td>{{ value }}</td></tr>
                        {% else %}
                            <tr><td class="text-secondary">No message seen yet.</td></tr>
                        {% endfor %}
                    </tbody>
                </table>
            </div>
        </div>
        <div class="col-lg-7">
            <div class="card" data-testid="assistant-replies">
                <div class="card-header"><h3 class="card-title">Recent generated replies</h3></div>
                <div class="table-responsive">
                    <table class="table table-vcenter card-table">
                        <thead><tr><th>When (UTC)</th><th>For</th><th>To</th><th>Reply</th></tr></thead>
                        <tbody>
                            {% for reply in replies %}
                                <tr>
                                    <td class="text-nowrap">{{ reply.createdAt }}</td>
                                    <td>{{ reply.sender.username if reply.sender else "-" }}</td>
                                    <td>{% if reply.room %}room <code>{{ reply.room }}</code>{% elif reply.recipient %}{{ reply.recipient.username }}{% else %}-{% endif %}</td>
                                    <td>{% if message_view %}<a href="{{ detail_url(request, message_view, reply.id) }}">{{ reply.text | truncate(160) }}</a>{% else %}{{ reply.text | truncate(160) }}{% endif %}</td>
                                </tr>
                            {% else %}
                                <tr><td colspan="4" class="text-secondary">No generated reply yet.</td></tr>
                            {% endfor %}
                        </tbody>
                    </table>
                </div>
            </div>
        </div>
    </div>
{% endblock %}
"""


class AssistantPage(CustomView):
    def __init__(self, site: Site) -> None:
        super().__init__(menu_label="Assistant overview", icon="fa-solid fa-robot", path="/assistant", route_name="assistant")
        self.site = site
        env = site.admin.templates.env
        env.loader = ChoiceLoader([DictLoader({TEMPLATE: SOURCE}), *([env.loader] if env.loader else [])])

    def is_accessible(self, request: Request) -> bool:
        return account_of(request) is not None

    def is_active(self, request: Request) -> bool:
        return request.scope["path"].startswith(request.scope["root_path"] + self.path)

    @route("", name="assistant")
    async def index(self, request: Request) -> Response:
        assert self._admin is not None
        service = self.site.app.service("assistant")
        if service is None:
            raise HTTPException(404)
        summary: list[tuple[str, Any]] = [(k, _shown(v)) for k, v in service.summary().items()]
        return self._admin._template_response(request, TEMPLATE, {
            "title": "Assistant overview", "summary": summary, "counters": sorted(service.counters().items()),
            "today": await service.replies_today(), "replies": await service.recent(20),
            "message_view": self.site.key_for("api::message.message"),
        })


def page(site: Site) -> AssistantPage | None:
    """The page, when the assistant plugin is enabled (it may register after the admin: its
    service is asked for when the page is shown)."""
    return AssistantPage(site) if any(loaded.name == "assistant" for loaded in site.app.plugins) else None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)
