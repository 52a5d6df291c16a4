"""Strapi's upload contract over real HTTP: the routes, the file object, formats, sniffing, serving."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from PIL import Image

from cms.rest.openapi import build_openapi
from tests.helpers.project import make_project
from tests.plugins.upload.support import (
    HTML, SVG, Project, animated_gif, error, files, image, rotated_jpeg, stored)

KEYS = ["id", "documentId", "name", "alternativeText", "caption", "focalPoint", "width", "height", "formats",
        "hash", "ext", "mime", "size", "url", "previewUrl", "provider", "provider_metadata",
        "createdAt", "updatedAt", "publishedAt", "isUrlSigned"]
FORMAT_KEYS = ["name", "hash", "ext", "mime", "path", "width", "height", "size", "sizeInBytes", "url"]


def upload(up: Project, headers: dict[str, str], *items: tuple[str, bytes], **form: str) -> list[dict]:
    answer = up.http.post("/api/upload", headers=headers, files=files(*items), data=form)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_an_upload_answers_201_with_bare_file_objects(up: Project, admin: dict[str, str]) -> None:
    content = image(1200, 800)
    answer = up.http.post("/api/upload", headers=admin, files=files(("hero.png", content)),
                          data={"fileInfo": json.dumps({"alternativeText": "A hero", "caption": "Big"})})
    assert answer.status_code == 201, answer.text
    [file] = answer.json()
    assert list(file) == KEYS
    assert re.fullmatch(r"hero_[0-9a-f]{10}", file["hash"])
    assert file | {"id": 0, "documentId": "", "hash": "", "url": "", "formats": None, "createdAt": "",
                   "updatedAt": "", "publishedAt": ""} == {
        "id": 0, "documentId": "", "name": "hero.png", "alternativeText": "A hero", "caption": "Big",
        "focalPoint": None, "width": 1200, "height": 800, "formats": None, "hash": "", "ext": ".png",
        "mime": "image/png", "size": round(len(content) / 1000, 2), "url": "", "previewUrl": None,
        "provider": "local", "provider_metadata": None, "createdAt": "", "updatedAt": "", "publishedAt": "",
        "isUrlSigned": False}
    assert file["url"] == f"/uploads/{file['hash']}.png"
    assert re.fullmatch(r"[a-z0-9]{24}", file["documentId"])
    served = up.http.get(file["url"])
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-type"] == "image/png"


def test_a_1200x800_png_gets_all_four_formats(up: Project, admin: dict[str, str]) -> None:
    [file] = upload(up, admin, ("wide.png", image(1200, 800)))
    expected = {"thumbnail": (234, 156), "small": (500, 333), "medium": (750, 500), "large": (1000, 667)}
    assert set(file["formats"]) == set(expected)
    for name, (width, height) in expected.items():
        fmt = file["formats"][name]
        assert list(fmt) == FORMAT_KEYS
        assert fmt["name"] == f"{name}_wide.png" and fmt["hash"] == f"{name}_{file['hash']}"
        assert (fmt["ext"], fmt["mime"], fmt["path"]) == (".png", "image/png", None)
        assert (fmt["width"], fmt["height"]) == (width, height)
        assert fmt["url"] == f"/uploads/{name}_{file['hash']}.png"
        served = up.http.get(fmt["url"])
        assert served.status_code == 200 and len(served.content) == fmt["sizeInBytes"]
        assert fmt["size"] == round(fmt["sizeInBytes"] / 1000, 2)
        assert Image.open(io.BytesIO(served.content)).size == (width, height)


def test_a_small_image_has_no_formats(up: Project, admin: dict[str, str]) -> None:
    [file] = upload(up, admin, ("tiny.png", image(100, 80)))
    assert (file["width"], file["height"], file["formats"]) == (100, 80, None)
    [file] = upload(up, admin, ("strip.jpg", image(300, 100, "JPEG")))  # only wider than the thumbnail
    assert list(file["formats"]) == ["thumbnail"]
    assert (file["formats"]["thumbnail"]["width"], file["formats"]["thumbnail"]["height"]) == (245, 82)
    assert file["formats"]["thumbnail"]["mime"] == "image/jpeg"


def test_exif_orientation_is_applied(up: Project, admin: dict[str, str]) -> None:
    """Stored 1200×800 with "rotate 90°": the picture is 800×1200, and so are its formats."""
    content = rotated_jpeg(1200, 800, orientation=6)
    [file] = upload(up, admin, ("portrait.jpg", content))
    assert (file["width"], file["height"]) == (800, 1200)
    sizes = {name: (f["width"], f["height"]) for name, f in file["formats"].items()}
    assert sizes == {"thumbnail": (104, 156), "small": (333, 500), "medium": (500, 750), "large": (667, 1000)}
    thumbnail = Image.open(io.BytesIO(up.http.get(file["formats"]["thumbnail"]["url"]).content))
    assert thumbnail.size == (104, 156)
    assert up.http.get(file["url"]).content == content  # the original is kept as sent


def test_animated_gifs_and_svgs_are_stored_without_resizing(up: Project, admin: dict[str, str]) -> None:
    gif = animated_gif(400, 300)
    [file] = upload(up, admin, ("spinner.gif", gif))
    assert (file["mime"], file["ext"], file["width"], file["height"], file["formats"]) == (
        "image/gif", ".gif", 400, 300, None)
    served = up.http.get(file["url"])
    assert served.content == gif and Image.open(io.BytesIO(served.content)).n_frames == 3
    [svg] = upload(up, admin, ("logo.svg", SVG))
    assert (svg["mime"], svg["ext"], svg["width"], svg["height"], svg["formats"]) == (
        "image/svg+xml", ".svg", 640, 480, None)


def test_svg_and_html_are_served_as_attachments_in_a_sandbox(up: Project, admin: dict[str, str]) -> None:
    [svg] = upload(up, admin, ("logo.svg", SVG))
    served = up.http.get(svg["url"])
    assert served.content == SVG
    assert served.headers["content-type"] == "image/svg+xml"
    assert served.headers["content-disposition"].startswith("attachment")
    assert served.headers["content-security-policy"].startswith("sandbox")
    assert served.headers["x-content-type-options"] == "nosniff"
    [png] = upload(up, admin, ("ok.png", image(50, 50)))
    inline = up.http.get(png["url"])
    assert "content-disposition" not in inline.headers and inline.headers["x-content-type-options"] == "nosniff"


def test_the_type_is_sniffed_from_the_content(up: Project, admin: dict[str, str]) -> None:
    """The client's name and Content-Type (always image/png in these requests) are not believed."""
    [html] = upload(up, admin, ("cute-cat.png", HTML))
    assert (html["name"], html["mime"], html["ext"], html["formats"]) == ("cute-cat.png", "text/html", ".html", None)
    assert html["url"].endswith(".html")
    served = up.http.get(html["url"])
    assert served.headers["content-type"].startswith("text/html")
    assert served.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in served.headers["content-security-policy"]
    [png] = upload(up, admin, ("notes.txt", image(40, 40)))
    assert (png["mime"], png["ext"], png["width"]) == ("image/png", ".png", 40)
    [jpeg] = upload(up, admin, ("photo.JPEG", image(40, 40, "JPEG")))
    assert (jpeg["mime"], jpeg["ext"]) == ("image/jpeg", ".jpeg")  # another spelling of the same type is kept
    [script] = upload(up, admin, ("app.js", b"alert(1);\n"))
    assert (script["mime"], script["ext"]) == ("text/plain", ".txt")
    [csv] = upload(up, admin, ("table.csv", b"a,b\n1,2\n"))
    assert (csv["mime"], csv["ext"]) == ("text/csv", ".csv")
    [blob] = upload(up, admin, ("data.parquet", bytes(range(256)) * 4))
    assert (blob["mime"], blob["ext"]) == ("application/octet-stream", ".parquet")
    assert up.http.get(blob["url"]).headers["content-disposition"].startswith("attachment")


def test_file_names_cannot_reach_outside_the_uploads_folder(up: Project, admin: dict[str, str]) -> None:
    before = {p.name for p in up.root.rglob("*") if p.is_file()}
    names = ["../../../config/evil.png", "..\\..\\evil.png", "/etc/passwd", "....//x.png", ".htaccess",
             "a\x00b\r\n.png"]
    for name in names:
        [file] = upload(up, admin, (name, image(20, 20)))
        assert "/" not in file["name"] and "\\" not in file["name"] and "\x00" not in file["name"]
        assert re.fullmatch(r"[A-Za-z0-9_]+_[0-9a-f]{10}", file["hash"]), file["hash"]
        assert (up.root / "public" / "uploads" / f"{file['hash']}.png").is_file()
    assert {upload(up, admin, ("x.png", image(20, 20)), fileInfo=json.dumps({"name": "../../up.png"}))[0]["name"]} == {
        "up.png"}
    new = {p.relative_to(up.root).as_posix() for p in up.root.rglob("*") if p.is_file() and p.name not in before}
    assert all(path.startswith(("public/uploads/", ".tmp/")) for path in new), new
    for path in ("/uploads/..%2Fconfig%2Fsecrets.toml", "/uploads/../config/secrets.toml", "/uploads/.tmp",
                 "/uploads/", "/uploads/%2e%2e/config/plugins.toml", "/uploads/a/b.png"):
        assert up.http.get(path).status_code == 404, path


def test_several_files_each_with_its_file_info(up: Project, admin: dict[str, str]) -> None:
    answer = up.http.post("/api/upload", headers=admin, files=[
        ("files", ("one.png", image(30, 30), "image/png")), ("files", ("two.png", image(40, 40), "image/png")),
        ("fileInfo", (None, json.dumps({"name": "first.png", "alternativeText": "1"}))),
        ("fileInfo", (None, json.dumps({"caption": "second"})))])
    assert answer.status_code == 201, answer.text
    one, two = answer.json()
    assert (one["name"], one["alternativeText"], one["width"]) == ("first.png", "1", 30)
    assert (two["name"], two["caption"], two["width"]) == ("two.png", "second", 40)
    assert one["hash"].startswith("first_")


def test_no_files_is_a_validation_error(up: Project, admin: dict[str, str]) -> None:
    expected = (400, "ValidationError", "Files are empty")
    assert error(up.http.post("/api/upload", headers=admin, data={"fileInfo": "{}"},
                              files=[("other", ("x.png", b"", "image/png"))])) == expected
    assert error(up.http.post("/api/upload", headers=admin, json={"fileInfo": {"name": "x"}})) == expected
    assert error(up.http.post("/api/upload", headers=admin)) == expected
    bad = up.http.post("/api/upload", headers=admin, files=files(("x.png", image(10, 10))), data={"fileInfo": "{"})
    assert error(bad) == (400, "ValidationError", "fileInfo must be a JSON object")
    typed = up.http.post("/api/upload", headers=admin, files=files(("x.png", image(10, 10))),
                         data={"fileInfo": json.dumps({"name": 3})})
    assert error(typed)[:2] == (400, "ValidationError")


def test_malformed_multipart_bodies_are_400s(up: Project, admin: dict[str, str]) -> None:
    before = stored(up.root)
    headers = {**admin, "Content-Type": "multipart/form-data; boundary=XyZ"}
    truncated = b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\n\r\nabc'
    assert error(up.http.post("/api/upload", headers=headers, content=truncated))[:2] == (400, "ValidationError")
    garbage = b"this is not multipart at all"
    assert error(up.http.post("/api/upload", headers=headers, content=garbage))[:2] == (400, "ValidationError")
    nameless = b'--XyZ\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--XyZ--\r\n'
    assert error(up.http.post("/api/upload", headers=headers, content=nameless))[:2] == (400, "ValidationError")
    assert stored(up.root) == before  # nothing half-written is left behind
    assert not any((up.root / ".tmp" / "uploads").iterdir())


def test_update_file_info_with_id(up: Project, admin: dict[str, str]) -> None:
    [file] = upload(up, admin, ("before.png", image(20, 20)), fileInfo=json.dumps({"caption": "keep me"}))
    answer = up.http.post(f"/api/upload?id={file['id']}", headers=admin,
                          data={"fileInfo": json.dumps({"name": "after.png", "alternativeText": "alt", "caption": None})})
    assert answer.status_code == 200, answer.text
    updated = answer.json()
    assert list(updated) == KEYS
    assert (updated["id"], updated["name"], updated["alternativeText"], updated["caption"]) == (
        file["id"], "after.png", "alt", "keep me")  # null keeps the stored value, as in Strapi
    assert (updated["hash"], updated["url"]) == (file["hash"], file["url"])
    as_json = up.http.post(f"/api/upload?id={file['id']}", headers=admin, json={"fileInfo": {"caption": "json"}})
    assert as_json.status_code == 200 and as_json.json()["caption"] == "json"
    for missing in ("999999", "0", "abc", "99999999999999999999"):
        answer = up.http.post(f"/api/upload?id={missing}", headers=admin, data={"fileInfo": "{}"})
        assert error(answer) == (404, "NotFoundError", "file.notFound"), missing


def test_replace_a_file_with_id(up: Project, admin: dict[str, str]) -> None:
    [old] = upload(up, admin, ("old.png", image(1200, 800)), fileInfo=json.dumps({"alternativeText": "kept"}))
    old_names = {old["url"].rsplit("/", 1)[1], *(f["url"].rsplit("/", 1)[1] for f in old["formats"].values())}
    assert old_names <= stored(up.root)
    answer = up.http.post(f"/api/upload?id={old['id']}", headers=admin, files=files(("new.jpg", image(60, 40, "JPEG"))))
    assert answer.status_code == 200, answer.text
    new = answer.json()
    assert (new["id"], new["documentId"], new["name"], new["alternativeText"]) == (
        old["id"], old["documentId"], "new.jpg", "kept")
    assert (new["mime"], new["ext"], new["width"], new["formats"]) == ("image/jpeg", ".jpg", 60, None)
    assert new["hash"] != old["hash"] and up.http.get(new["url"]).status_code == 200
    assert not old_names & stored(up.root)
    two = up.http.post(f"/api/upload?id={old['id']}", headers=admin,
                       files=files(("a.png", image(5, 5)), ("b.png", image(5, 5))))
    assert error(two) == (400, "ValidationError", "Cannot replace a file with multiple ones")


def test_find_and_find_one(up: Project, admin: dict[str, str]) -> None:
    ids = [upload(up, admin, (f"listed-{i}.png", image(10 + i, 10)))[0]["id"] for i in range(3)]
    listed = up.http.get("/api/upload/files", headers=admin, params={
        "filters[name][$startsWith]": "listed-", "sort": "id:desc"})
    assert listed.status_code == 200, listed.text
    assert [f["id"] for f in listed.json()] == ids[::-1]
    assert all(list(f) == KEYS for f in listed.json())
    page = up.http.get("/api/upload/files", headers=admin, params={
        "filters[name][$startsWith]": "listed-", "sort": "width:asc", "pagination[pageSize]": 2,
        "pagination[page]": 2, "fields[0]": "name", "fields[1]": "width"})
    assert page.json() == [{"id": ids[2], "documentId": page.json()[0]["documentId"], "name": "listed-2.png",
                            "width": 12, "isUrlSigned": False}]
    one = up.http.get(f"/api/upload/files/{ids[0]}", headers=admin)
    assert one.status_code == 200 and list(one.json()) == KEYS and one.json()["name"] == "listed-0.png"
    for missing in (999999, 0, 2**40):
        assert error(up.http.get(f"/api/upload/files/{missing}", headers=admin)) == (404, "NotFoundError", "file.notFound")
    assert error(up.http.get("/api/upload/files", headers=admin, params={"filters[uploaderId]": 1})) == (
        400, "ValidationError", "Invalid key uploaderId")
    assert error(up.http.get("/api/upload/files", headers=admin, params={"fields": "uploaderId"}))[:2] == (
        400, "ValidationError")
    assert error(up.http.get("/api/upload/files", headers=admin, params={"nope": 1}))[:2] == (400, "ValidationError")


def test_delete_answers_the_file_and_removes_its_bytes(up: Project, admin: dict[str, str]) -> None:
    [file] = upload(up, admin, ("gone.png", image(1200, 800)))
    names = {file["url"].rsplit("/", 1)[1], *(f["url"].rsplit("/", 1)[1] for f in file["formats"].values())}
    assert len(names) == 5 and names <= stored(up.root)
    answer = up.http.delete(f"/api/upload/files/{file['id']}", headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {**file, "updatedAt": answer.json()["updatedAt"]}
    assert not names & stored(up.root)
    assert up.http.get(file["url"]).status_code == 404
    assert error(up.http.get(f"/api/upload/files/{file['id']}", headers=admin))[0] == 404
    assert error(up.http.delete(f"/api/upload/files/{file['id']}", headers=admin)) == (
        404, "NotFoundError", "file.notFound")


def test_local_files_are_cacheable_and_support_ranges(up: Project, admin: dict[str, str]) -> None:
    content = image(300, 200)
    [file] = upload(up, admin, ("cache.png", content))
    first = up.http.get(file["url"])
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = first.headers["etag"]
    assert up.http.get(file["url"], headers={"If-None-Match": etag}).status_code == 304
    part = up.http.get(file["url"], headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == content[:10]
    head = up.http.head(file["url"])
    assert head.status_code == 200 and head.headers["content-length"] == str(len(content)) and not head.content
    assert up.http.post(file["url"]).status_code == 405


def test_the_routes_are_in_the_openapi_document(up: Project) -> None:
    document = up.http.get("/api/openapi.json").json()
    validate(document)
    paths = document["paths"]
    assert set(paths["/api/upload"]) == {"post"}
    assert "multipart/form-data" in paths["/api/upload"]["post"]["requestBody"]["content"]
    assert set(paths["/api/upload"]["post"]["responses"]) >= {"201", "200", "400", "403", "413"}
    assert set(paths["/api/upload/files"]) == {"get"}
    assert set(paths["/api/upload/files/{file_id}"]) == {"get", "delete"}
    file = document["components"]["schemas"]["UploadFile"]
    assert set(file["properties"]) == set(KEYS)
    assert "uploaderId" not in json.dumps(document["components"]["schemas"]["UploadFileFilters"])


@pytest.mark.parametrize("path", ["/api/upload", "/api/upload/"])
def test_the_upload_route_answers_with_or_without_a_trailing_slash(up: Project, admin: dict[str, str], path: str) -> None:
    answer = up.http.post(path, headers=admin, files=files(("slash.png", image(10, 10))))
    assert answer.status_code == 201, answer.text


def test_every_route_of_the_plugin_is_documented(tmp_path: Path) -> None:
    """As tests/rest/test_openapi.py checks for the repository's plugins, with upload enabled."""
    from cms.app import create_app, load_project

    root = make_project(tmp_path / "project", plugins_toml="[users_permissions]\n[upload]\n")
    app = create_app(load_project(root))
    routes, schemas = app.documented_routes()
    document = build_openapi(app.registry, "/api", routes=routes, route_schemas=schemas)
    validate(document)
    segment = re.compile(r"<[^>]+>|\{[^}]+\}")
    documented = {(segment.sub("{}", path), method.upper()) for path, item in document["paths"].items() for method in item}
    served = {(segment.sub("{}", "/" + route.path.lstrip("/")), method)
              for route in app.sanic.router.routes for method in route.methods}
    assert served - documented == set()
    assert {("/api/upload", "POST"), ("/api/upload/files/{}", "DELETE")} <= served
