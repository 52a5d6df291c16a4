"""The admin's pure parts, without a server: the field table, the filters, the throttle, the settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from starlette_admin import (
    BooleanField,
    DateTimeField,
    EnumField,
    HasMany,
    HasOne,
    IntegerField,
    JSONField,
    PasswordField,
    StringField,
    TextAreaField,
)
from starlette_admin.filters import FilterGroup, FilterRule

from admin.auth import LoginThrottle
from admin.config import AdminConfig, load_config
from admin.fields import (
    display_field,
    form_errors,
    label_of,
    relation_field,
    scalar_field,
    to_input,
)
from admin.filters import Filters, to_where
from cms.config import ConfigError
from cms.content import ContentType
from cms.content.attributes import parse_attribute
from cms.content.registry import Registry
from cms.query.ast import And, Condition, Or
from cms.query.filters import parse_filters


def attribute(name: str, **raw: object):  # type: ignore[no-untyped-def]
    attr, problems = parse_attribute(name, raw, "test")
    assert attr is not None, problems
    return attr


def content_type(attributes: dict[str, dict[str, object]], **options: object) -> ContentType:
    return ContentType(uid="api::post.post", kind="collectionType", collection_name="posts", singular_name="post",
                       plural_name="posts", display_name="Post", source=Path("schema.json"),
                       attributes={n: attribute(n, **a) for n, a in attributes.items()}, options=options)


@pytest.mark.parametrize(("raw", "field_type"), [
    ({"type": "string"}, StringField), ({"type": "text"}, TextAreaField), ({"type": "email"}, StringField),
    ({"type": "enumeration", "enum": ["a", "b"]}, EnumField), ({"type": "boolean"}, BooleanField),
    ({"type": "integer"}, IntegerField), ({"type": "datetime"}, DateTimeField), ({"type": "json"}, JSONField),
    ({"type": "password"}, PasswordField),
])
def test_each_attribute_type_has_its_field(raw: dict[str, object], field_type: type) -> None:
    field = scalar_field(attribute("value", **raw))
    assert isinstance(field, field_type)
    assert not field.required, "required is checked by the document service, whose message is shown"


def test_password_fields_are_write_only_and_private_fields_stay_out_of_lists() -> None:
    password = scalar_field(attribute("password", type="password", minLength=8))
    assert password is not None and password.label == "Set new password"
    assert password.exclude_from_list and password.exclude_from_detail and password.exclude_from_export
    assert password.getter is not None and password.getter(None, object()) is None
    secret = scalar_field(attribute("token", type="string", private=True))
    assert secret is not None and secret.exclude_from_list and secret.exclude_from_export
    assert not secret.exclude_from_detail and not secret.exclude_from_edit
    rules = scalar_field(attribute("title", type="string", required=True, unique=True, maxLength=80, regex="^[a-z]"))
    assert rules is not None and rules.help_text == "required · unique · at most 80 characters · matches /^[a-z]/"


def test_relations_are_pickers_and_to_many_lists_stay_on_detail_pages() -> None:
    one = relation_field(attribute("author", type="relation", relation="manyToOne", target="api::a.a"), "a", "name")
    many = relation_field(attribute("tags", type="relation", relation="manyToMany", target="api::t.t"), "t", None)
    assert isinstance(one, HasOne) and one.key == "a" and not one.exclude_from_list
    assert isinstance(many, HasMany) and many.exclude_from_list
    filters = {f.name for f in Filters().filters_for(one)}
    assert {"contains", "is_null"} <= filters, "a labelled relation is filtered by its label"
    assert "contains" not in {f.name for f in Filters().filters_for(many)}


def test_display_field_is_the_schema_option_or_the_first_string() -> None:
    plain = content_type({"count": {"type": "integer"}, "secret": {"type": "string", "private": True},
                          "title": {"type": "string"}, "slug": {"type": "uid"}})
    assert display_field(plain) == "title"
    assert display_field(content_type({"title": {"type": "string"}, "slug": {"type": "uid"}},
                                      displayField="slug")) == "slug"
    assert display_field(content_type({"count": {"type": "integer"}})) is None


def test_form_values_become_rest_input() -> None:
    when = dt.datetime(2024, 5, 1, 12, 30)  # the form's value, already in the database time zone (UTC)
    assert to_input(attribute("at", type="datetime"), when) == "2024-05-01T12:30:00Z"
    assert to_input(attribute("on", type="date"), dt.date(2024, 5, 1)) == "2024-05-01"
    assert to_input(attribute("title", type="string"), "") is None
    assert to_input(attribute("n", type="biginteger"), 12) == "12"
    one = attribute("author", type="relation", relation="manyToOne", target="api::a.a")
    many = attribute("tags", type="relation", relation="manyToMany", target="api::t.t")
    assert to_input(one, "7") == 7 and to_input(one, "") is None
    assert to_input(many, ["3", "4"]) == [3, 4] and to_input(many, None) == []


def test_document_service_errors_map_to_fields() -> None:
    details = {"errors": [{"path": ["title"], "message": "title must be defined."},
                          {"path": ["title"], "message": "second error of the same field"},
                          {"path": ["nope"], "message": "Invalid key nope"}]}
    assert form_errors(details, {"title"}, "2 errors occurred") == {
        "title": "title must be defined.", "_form": "Invalid key nope"}
    assert form_errors({"errors": []}, {"title"}, "This attribute must be unique") == {
        "_form": "This attribute must be unique"}


class _View:
    """What the filters ask of a view."""

    def filter_path(self, name: str) -> tuple[str, ...]:
        return (name, "username") if name == "sender" else (name,)

    def field_named(self, name: str) -> object:
        return None


def test_filter_rules_become_the_rest_filter_language() -> None:
    """Catches filter fragments the core's parser reads differently from what the rules say (a lost
    group, a datetime not in UTC, an operator swapped)."""
    ct = content_type({"title": {"type": "string"}, "views": {"type": "integer"}, "status": {
        "type": "enumeration", "enum": ["draft", "live"]}, "at": {"type": "datetime"}})
    fields = {"title": StringField("title"), "views": IntegerField("views"),
              "status": EnumField("status", choices=["draft", "live"]), "at": DateTimeField("at")}
    group = FilterGroup("and", [
        FilterRule("title", "contains", "Hello"),
        FilterGroup("or", [FilterRule("views", "between", 1, 10), FilterRule("status", "in", ["live"])]),
        FilterRule("at", "after", dt.datetime(2024, 1, 1)),
    ])
    raw = to_where(group, Filters(), fields, _View())
    assert raw == {"$and": [
        {"title": {"$containsi": "Hello"}},
        {"$or": [{"views": {"$between": [1, 10]}}, {"status": {"$in": ["live"]}}]},
        {"at": {"$gte": "2024-01-01T00:00:00+00:00"}},
    ]}
    assert parse_filters(ct, raw, registry=Registry([ct])) == And((
        Condition(("title",), "$containsi", "Hello"),
        Or((Condition(("views",), "$between", [1, 10]), Condition(("status",), "$in", ["live"]))),
        Condition(("at",), "$gte", dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)),
    ))
    assert to_where(FilterGroup(), Filters(), fields, _View()) is None


def test_a_relation_filter_applies_to_the_related_label() -> None:
    sender = HasOne("sender", key="user", extra={"label_field": "username"})
    raw = to_where(FilterGroup("and", [FilterRule("sender", "contains", "ali"), FilterRule("sender", "is_null")]),
                   Filters(), {"sender": sender}, _View())
    assert raw == {"$and": [{"sender": {"username": {"$containsi": "ali"}}}, {"sender": {"$null": True}}]}


def test_the_throttle_locks_a_username_at_an_address_after_repeated_failures() -> None:
    """Catches a lockout per account: five wrong passwords from anywhere used to lock the
    super-admin out for everyone, its owner included."""
    throttle = LoginThrottle(max_failures=3, lockout_seconds=60)
    for _ in range(3):
        assert throttle.retry_after("Ann", "10.0.0.1") == 0
        throttle.failed("Ann", "10.0.0.1")
    assert 0 < throttle.retry_after("ann", "10.0.0.1") <= 60, "that username from that address"
    assert throttle.retry_after("ann", "10.0.0.2") == 0, "the owner elsewhere is not locked out"
    assert throttle.retry_after("ben", "10.0.0.1") == 0, "the address allows 4× more"
    for name in ("b1", "b2", "b3"):
        for _ in range(3):
            throttle.failed(name, "10.0.0.1")
    assert throttle.retry_after("someone-else", "10.0.0.1") > 0, "an address trying many usernames is locked"
    throttle.succeeded("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") > 0, "the address as a whole stays limited"


def test_settings_are_checked() -> None:
    assert load_config({}) == AdminConfig()
    assert load_config({"title": "Newsroom", "login_max_failures": 10}).title == "Newsroom"
    with pytest.raises(ConfigError, match="unknown key"):
        load_config({"titel": "x"})
    with pytest.raises(ConfigError, match="must be an integer"):
        load_config({"login_max_failures": "10"})


def test_labels_read_as_words() -> None:
    assert label_of("lastSeenAt") == "Last seen at"
    assert label_of("client_id") == "Client id"
