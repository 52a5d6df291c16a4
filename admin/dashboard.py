"""The admin's home page: entries per content type, and the chat's activity of the last 24 hours.

The chat activity reads two content types named in the admin's settings
(``activity_type``, default messages; ``presence_type``, default chat users):
messages per hour as a small inline SVG bar chart (no JavaScript), and who is
online now (presence entries whose status is not ``offline``). Either part is
left out when its type is not in the project.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette_admin import CustomView
from starlette_admin.routing import route
from tortoise import Tortoise

from admin.auth import account_of
from cms.query.sql import quote

if TYPE_CHECKING:
    from admin.site import Site

HOURS = 24


@dataclass
class Activity:
    hours: list[tuple[dt.datetime, int]]  # the start of each hour (UTC), messages in it
    total: int

    @property
    def peak(self) -> int:
        return max((n for _, n in self.hours), default=0)


class Dashboard(CustomView):
    def __init__(self, site: Site) -> None:
        super().__init__(menu_label="Dashboard", icon="fa-solid fa-gauge", path="/", route_name="index",
                         add_to_menu=True)
        self.site = site

    def is_accessible(self, request: Request) -> bool:
        return account_of(request) is not None

    @route("")
    async def index(self, request: Request) -> Response:
        assert self.templates is not None
        views = [v for v in self.site.content_views() if v.is_accessible(request) and not v.super_admin_only]
        counts = [(view, await view.count(request)) for view in views]
        config = self.site.config
        registry = self.site.app.registry
        activity = await self.activity(config.activity_type) if config.activity_type in registry else None
        online = await self.online(config.presence_type) if config.presence_type in registry else None
        return self.templates.TemplateResponse(request=request, name="dashboard.html", context={
            "title": "Dashboard", "counts": counts, "activity": activity,
            "chart": bar_chart(activity) if activity else None, "online": online,
            "activity_view": self.site.key_for(config.activity_type),
            "presence_view": self.site.key_for(config.presence_type),
        })

    async def activity(self, uid: str) -> Activity:
        """Entries of ``uid`` created per hour over the last 24 hours, oldest hour first."""
        ct = self.site.app.registry.get(uid)
        now = dt.datetime.now(dt.UTC)
        first = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=HOURS - 1)
        table = quote(ct.collection_name)
        if self.site.app.settings.dialect == "sqlite":
            # Tortoise stores SQLite datetimes as UTC text "YYYY-MM-DD HH:MM:SS.ffffff+00:00"
            sql = (f"SELECT substr(created_at, 1, 13), COUNT(*) FROM {table} "
                   "WHERE created_at >= ? GROUP BY 1")
            params: list[Any] = [str(first)]
        else:
            sql = (f"SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24'), COUNT(*) FROM {table} "
                   "WHERE created_at >= $1 GROUP BY 1")
            params = [first]
        _, rows = await Tortoise.get_connection("default").execute_query(sql, params)
        per_hour = {str(row[0]): int(row[1]) for row in rows}
        hours = []
        for i in range(HOURS):
            start = first + dt.timedelta(hours=i)
            hours.append((start, per_hour.get(start.strftime("%Y-%m-%d %H"), 0)))
        return Activity(hours, sum(n for _, n in hours))

    async def online(self, uid: str) -> dict[str, Any]:
        """Presence entries whose status is not offline: how many, and the most recently seen."""
        ct = self.site.app.registry.get(uid)
        model = self.site.app.models[uid]
        if "status" not in ct.attributes:
            return {"count": 0, "people": []}
        query = model.exclude(status="offline")
        count = await query.count()
        shown = [n for n in ("username", "room", "status", "lastSeenAt") if n in ct.attributes]
        order = "-lastSeenAt" if "lastSeenAt" in ct.attributes else "-id"
        people = await query.order_by(order).limit(8).values("id", *shown)
        return {"count": count, "people": people}


def bar_chart(activity: Activity, width: int = 720, height: int = 170) -> Markup:
    """Messages per hour as an inline SVG: one bar per hour, hour labels every 3 hours."""
    left, bottom, top = 34, 22, 10
    plot_w, plot_h = width - left - 6, height - bottom - top
    peak = max(activity.peak, 1)
    step = plot_w / len(activity.hours)
    parts = [(f'<svg class="activity-chart" viewBox="0 0 {width} {height}" role="img" '
              'aria-label="Messages per hour over the last 24 hours" xmlns="http://www.w3.org/2000/svg">')]
    ticks = sorted({0, peak, *([peak // 2] if peak >= 4 else [])})
    for tick in ticks:
        y = top + plot_h * (1 - tick / peak)
        parts.append(f'<line x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{tick}</text>')
    for i, (start, count) in enumerate(activity.hours):
        h = plot_h * count / peak
        x = left + i * step + 2
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{step - 4:.1f}" height="{h:.1f}" '
                     f'rx="2" class="bar"><title>{escape(start.strftime("%H:00"))} UTC: {count} messages</title></rect>')
        if i % 3 == 0:
            parts.append(f'<text x="{x + (step - 4) / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                         f'class="axis">{start.strftime("%H:00")}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
