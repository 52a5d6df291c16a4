"""Exports of a list: what its search and filters match, readable, streamed, and nothing private.

The export action (``POST /admin/_api/<key>/action?name=export``, what the list's
export dialog sends) is called as the page calls it: the list's query string in
``_list_query``, the dialog's form in the body, the CSRF token in a header. Rows
are seeded with SQL (1,200 messages in three rooms from alice, bob or nobody,
then 20,000 more for the streaming test) and every expectation is computed from
the seed, so a filter that lost or added a row, or a relation written as an id,
fails by name.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import time
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from tests.admin.conftest import AdminProject, Session
from tests.admin.seeding import insert_messages, sql

ROOMS = ("lobby", "dev", "random")
SEEDED = 1200
BULK = 20_000
CSV_HEADER = ["Id", "Text", "Attachments", "Room", "Sender", "Recipient", "Client id", "Generated", "Created at",
              "Updated at", "Created by", "Updated by"]


@pytest.fixture(scope="module")
def root(admin_project: AdminProject) -> Session:
    return admin_project.first_admin()


@pytest.fixture(scope="module")
def people(admin_project: AdminProject, root: Session) -> dict[str, int]:
    ids = {name: admin_project.register(name)["user"]["id"] for name in ("alice", "bob")}
    ids["eddie"] = admin_project.create_admin(root, "eddie", "editor")
    ids["annie"] = admin_project.create_admin(root, "annie", "author")
    return ids


@pytest.fixture(scope="module")
def messages(admin_project: AdminProject, people: dict[str, int]) -> list[dict[str, Any]]:
    """1,200 messages: room by i % 3, sender alice, bob or nobody by i % 4 (as read back, with their ids)."""
    senders = [people["alice"], people["bob"], people["alice"], None]
    insert_messages(admin_project, [(f"message {i:04d}", ROOMS[i % 3], senders[i % 4]) for i in range(SEEDED)],
                    prefix="m")
    names = {people["alice"]: "alice", people["bob"]: "bob", None: ""}
    rows = sql(admin_project, "SELECT id, text, room, sender_id FROM messages WHERE client_id LIKE 'm-%' ORDER BY id")
    assert len(rows) == SEEDED
    return [{"id": r[0], "text": r[1], "room": r[2], "sender": names[r[3]]} for r in rows]


def export(session: Session, key: str = "message", *, fmt: str = "csv", scope: str = "all", list_query: str = "",
           pks: Sequence[Any] | None = None, fields: Sequence[str] = ()) -> httpx.Response:
    """The export dialog's request, as static/admin.js sends it."""
    params: list[tuple[str, str]] = [("name", "export"), ("_list_query", list_query)]
    params += [("pks", str(pk)) for pk in pks] if pks is not None else [("all", "1")]
    data: dict[str, Any] = {"scope": scope, "format": fmt}
    if fields:
        data["fields"] = list(fields)
    return session.post("/admin/_api/" + key + "/action", params=params, data=data,
                        headers={"X-CSRFToken": session.csrf()})


def csv_rows(answer: httpx.Response) -> tuple[list[str], list[dict[str, str]]]:
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(answer.text))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def matching(messages: list[dict[str, Any]], **wanted: Any) -> list[dict[str, Any]]:
    return [m for m in messages if all(m[k] == v for k, v in wanted.items())]


@pytest.mark.parametrize("case", ["room and sender", "search and no sender", "not a room (several batches)"])
def test_an_export_with_filters_has_exactly_the_matching_rows(root: Session, people: dict[str, int],
                                                              messages: list[dict[str, Any]], case: str) -> None:
    """Everything the list's search and filters match, not only its page: each case's rows,
    counted and named, in id order (the 800 rows of the last cross a batch boundary)."""
    if case == "room and sender":
        query = f"?filter=room__eq%3Ddev+AND+sender__eq%3D{people['alice']}"
        expected = matching(messages, room="dev", sender="alice")
    elif case == "search and no sender":
        query = "?q=message+00&filter=sender__is_null"
        expected = [m for m in messages if m["text"].startswith("message 00") and m["sender"] == ""]
    else:
        query = "?filter=room__neq%3Ddev&sort=text__desc&page=3"
        expected = [m for m in messages if m["room"] != "dev"]
    assert 10 < len(expected) and (case != "not a room (several batches)" or len(expected) == 800)
    answer = export(root, list_query=query)
    assert answer.headers["x-export-rows"] == str(len(expected))
    header, rows = csv_rows(answer)
    assert header == CSV_HEADER
    assert [(int(r["Id"]), r["Text"], r["Room"], r["Sender"]) for r in rows] == \
        [(m["id"], m["text"], m["room"], m["sender"]) for m in expected]
    as_json = export(root, fmt="json", list_query=query)
    assert as_json.headers["content-type"] == "application/json"
    assert [(r["Id"], r["Text"], r["Sender"]) for r in as_json.json()] == \
        [(m["id"], m["text"], m["sender"] or None) for m in expected]


def test_the_csv_and_json_are_readable(root: Session, people: dict[str, int], messages: list[dict[str, Any]]) -> None:
    """Relations by the related entry's display field (a username), empty values empty, system
    fields named as on the page, the file named after the list."""
    first = messages[0]
    _, rows = csv_rows(export(root, list_query=f"?filter=id__eq%3D{first['id']}"))
    assert len(rows) == 1
    row = rows[0]
    assert row["Sender"] == "alice" and row["Sender"] != str(people["alice"])
    assert row["Recipient"] == "" and row["Attachments"] == "" and row["Generated"] == ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row["Created at"])
    answer = export(root, fmt="json", list_query=f"?filter=id__eq%3D{first['id']}")
    assert re.search(r'filename="message-\d{4}-\d\d-\d\d\.json"', answer.headers["content-disposition"])
    document = json.loads(answer.text)
    assert document == [{"Id": first["id"], "Text": first["text"], "Attachments": [], "Room": first["room"], "Sender": "alice", "Recipient": None, "Client id": "m-0", "Generated": None,
                         "Created at": row["Created at"], "Updated at": row["Updated at"], "Created by": None,
                         "Updated by": None}]
    # a relation picked in the admin is written by its label too, and so is who changed the entry
    assert root.submit(f"/admin/message/edit?pk={first['id']}", {
        "text": first["text"], "room": first["room"], "sender": str(people["alice"]),
        "recipient": str(people["bob"]), "clientId": "m-0"}).status_code == 303
    _, rows = csv_rows(export(root, list_query=f"?filter=id__eq%3D{first['id']}"))
    assert (rows[0]["Sender"], rows[0]["Recipient"], rows[0]["Updated by"]) == ("alice", "bob", "root")
    # formulas are not formulas in a spreadsheet
    assert root.submit("/admin/message/create", {"text": "=HYPERLINK(\"x\")", "room": "formulas"}).status_code == 303
    _, rows = csv_rows(export(root, list_query="?filter=room__eq%3Dformulas"))
    assert rows[0]["Text"] == "'=HYPERLINK(\"x\")"


def test_columns_page_and_selection(root: Session, messages: list[dict[str, Any]]) -> None:
    """The dialog's columns, and its other scopes: the list's current page (its sort and page)
    and the selected rows."""
    header, rows = csv_rows(export(root, list_query="?filter=room__eq%3Dlobby", fields=["text", "sender", "id"]))
    assert header == ["Id", "Text", "Sender"] and len(rows) == 400
    query = "?filter=room__eq%3Dlobby&sort=text__desc&page=2&page_size=10"
    listing = root.get("/admin/message/list" + query).text
    shown = [int(pk) for pk in re.findall(r'data-sa-pk="(\d+)"', listing)]
    lobby = sorted(matching(messages, room="lobby"), key=lambda m: m["text"], reverse=True)
    assert shown == [m["id"] for m in lobby[10:20]]
    answer = export(root, scope="page", list_query=query)
    assert answer.headers["x-export-rows"] == "10"
    assert [int(r["Id"]) for r in csv_rows(answer)[1]] == shown, "the page as listed, in its order"
    picked = [messages[5]["id"], messages[700]["id"], messages[3]["id"]]
    answer = export(root, scope="selected", pks=picked, list_query="?filter=room__eq%3Dlobby")
    assert sorted(int(r["Id"]) for r in csv_rows(answer)[1]) == sorted(picked)


def test_private_and_hidden_fields_are_never_exported(admin_project: AdminProject, root: Session,
                                                      people: dict[str, int]) -> None:
    created = root.submit("/admin/chat-user/create", {"username": "carol", "room": "lobby", "status": "online",
                                                      "socketId": "socket-secret-1234"})
    assert created.status_code == 303, created.text[:500]
    sql(admin_project, "UPDATE registered_users SET reset_password_token = ?, confirmation_token = ? WHERE id = ?",
        "reset-secret-5678", "confirm-secret-9012", people["alice"])
    asked = ["socketId", "password", "resetPasswordToken", "confirmationToken", "passwordChangedAt", "username"]
    for key, secrets in (("chat-user", ["socket-secret-1234", "Socket id"]),
                         ("registered-user", ["reset-secret-5678", "confirm-secret-9012", "$argon2", "Password",
                                              "password", "Reset password token", "Confirmation token"]),
                         ("admin-user", ["$argon2", "Password", "Set new password"])):
        for fmt in ("csv", "json"):
            for fields in ((), asked):
                answer = export(root, key, fmt=fmt, fields=fields)
                assert answer.status_code == 200, answer.text[:300]
                for secret in secrets:
                    assert secret not in answer.text, (key, fmt, fields, secret)
    header, rows = csv_rows(export(root, "registered-user", fields=asked))
    assert header == ["Username"], "what may be exported of what was asked"
    assert {r["Username"] for r in rows} == {"alice", "bob"}


def test_who_may_export(admin_project: AdminProject, root: Session) -> None:
    eddie = admin_project.login("eddie")
    assert export(eddie, list_query="?filter=room__eq%3Ddev").headers["x-export-rows"] == "400"
    annie = admin_project.login("annie")
    assert export(annie, list_query="?filter=room__eq%3Ddev").status_code == 200, "authors read every entry"
    refused = export(eddie, "admin-user", fmt="json")
    assert refused.status_code == 400 and refused.json() == {"msg": "Forbidden"}, "admin users: super-admin only"
    anonymous = admin_project.session()
    answer = anonymous.post("/admin/_api/message/action", params={"name": "export", "all": "1"},
                            data={"scope": "all", "format": "csv"}, headers={"X-CSRFToken": anonymous.csrf()})
    assert answer.status_code in (303, 401, 403) and "message 0" not in answer.text
    no_token = root.post("/admin/_api/message/action", params={"name": "export", "all": "1"},
                         data={"scope": "all", "format": "csv"})
    assert no_token.status_code == 403 and "message 0" not in no_token.text
    assert export(root, fmt="xml").json() == {"msg": "Unknown export format xml"}


def _peak_memory_kb(pid: int) -> int | None:
    try:
        status = open(f"/proc/{pid}/status").read()  # noqa: SIM115
    except OSError:
        return None
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_large_export_streams_and_completes(admin_project: AdminProject, root: Session,
                                              people: dict[str, int], fmt: str) -> None:
    """20,000 matching rows: the answer is chunked and starts long before it ends (the server
    writes each batch as it reads it, it does not build the file first), the server's peak
    memory barely moves, and every row arrives, in id order."""
    if not sql(admin_project, "SELECT id FROM messages WHERE room = 'bulk' LIMIT 1"):
        insert_messages(admin_project, [(f"bulk {i:05d} " + "lorem ipsum dolor sit amet " * 3, "bulk",
                                         people["alice"] if i % 2 else people["bob"]) for i in range(BULK)],
                        prefix="b")
    pid = admin_project.server.process.pid
    peak_before = _peak_memory_kb(pid)
    began = time.perf_counter()
    first_byte = None
    chunks: list[bytes] = []
    with root.stream("POST", "/admin/_api/message/action",
                     params={"name": "export", "all": "1", "_list_query": "?filter=room__eq%3Dbulk"},
                     data={"scope": "all", "format": fmt}, headers={"X-CSRFToken": root.csrf()}) as answer:
        assert answer.status_code == 200
        assert answer.headers.get("transfer-encoding") == "chunked" and "content-length" not in answer.headers
        assert answer.headers["x-export-rows"] == str(BULK)
        for chunk in answer.iter_raw():
            if first_byte is None:
                first_byte = time.perf_counter() - began
            chunks.append(chunk)
    total = time.perf_counter() - began
    body = b"".join(chunks)
    assert first_byte is not None and first_byte < total / 4, (first_byte, total)
    assert len(chunks) >= 10, "written batch by batch"
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        texts, senders, ids = [r["Text"] for r in rows], [r["Sender"] for r in rows], [int(r["Id"]) for r in rows]
    else:
        rows = json.loads(body)
        texts, senders, ids = [r["Text"] for r in rows], [r["Sender"] for r in rows], [r["Id"] for r in rows]
    assert len(rows) == BULK and ids == sorted(ids) and len(set(ids)) == BULK
    assert texts[0].startswith("bulk 00000 ") and texts[-1].startswith(f"bulk {BULK - 1:05d} ")
    assert senders[:2] == ["bob", "alice"] and set(senders) == {"alice", "bob"}
    peak_after = _peak_memory_kb(pid)
    if peak_before is not None and peak_after is not None:
        grown_mb = (peak_after - peak_before) / 1024
        print(f"{fmt}: {len(body) / 1e6:.1f} MB in {total * 1000:.0f} ms, first byte after {first_byte * 1000:.0f} ms, "
              f"{len(chunks)} chunks, server peak memory +{grown_mb:.1f} MB", file=sys.stderr)
        assert grown_mb < 32, f"the export held {grown_mb:.0f} MB: not streamed"
