"""Who may upload and read which files: the actions go through the core's authorizer, and the default
grants (config/permissions.toml) let a registered user upload and read only its own files."""

from __future__ import annotations

import json

from tests.plugins.upload.support import Project, bearer, error, files, image, stored


def upload(up: Project, headers: dict[str, str], name: str) -> dict:
    answer = up.http.post("/api/upload", headers=headers, files=files((name, image(20, 20))))
    assert answer.status_code == 201, answer.text
    return answer.json()[0]


def test_the_public_may_not_upload_or_list(up: Project) -> None:
    before = stored(up.root)
    assert error(up.http.post("/api/upload", files=files(("p.png", image(10, 10))))) == (
        403, "ForbiddenError", "Forbidden")
    assert stored(up.root) == before
    assert error(up.http.get("/api/upload/files"))[0] == 403
    assert error(up.http.get("/api/upload/files/1"))[0] == 403
    assert error(up.http.delete("/api/upload/files/1"))[0] == 403
    assert error(up.http.post("/api/upload", files=files(("p.png", image(10, 10))),
                              headers={"Authorization": "Bearer nonsense"}))[0] == 401


def test_a_registered_user_reads_and_changes_only_its_own_files(up: Project) -> None:
    ana, bob = up.register("ana_files"), up.register("bob_files")
    mine, theirs = upload(up, ana.auth, "ana.png"), upload(up, bob.auth, "bob.png")
    assert up.sql("SELECT uploader_id FROM files WHERE id = ?", mine["id"]) == [(ana.id,)]
    listed = up.http.get("/api/upload/files", headers=ana.auth)
    assert listed.status_code == 200 and [f["id"] for f in listed.json()] == [mine["id"]]
    assert "uploaderId" not in listed.json()[0]
    assert up.http.get(f"/api/upload/files/{mine['id']}", headers=ana.auth).json()["name"] == "ana.png"
    assert error(up.http.get(f"/api/upload/files/{theirs['id']}", headers=ana.auth)) == (
        404, "NotFoundError", "file.notFound")
    # fileInfo updates and replacements follow the upload grant's condition too
    update = up.http.post(f"/api/upload?id={theirs['id']}", headers=ana.auth,
                          data={"fileInfo": json.dumps({"name": "mine-now.png"})})
    assert error(update) == (404, "NotFoundError", "file.notFound")
    replace = up.http.post(f"/api/upload?id={theirs['id']}", headers=ana.auth, files=files(("x.png", image(5, 5))))
    assert error(replace) == (404, "NotFoundError", "file.notFound")
    own = up.http.post(f"/api/upload?id={mine['id']}", headers=ana.auth,
                       data={"fileInfo": json.dumps({"caption": "mine"})})
    assert own.status_code == 200 and own.json()["caption"] == "mine"
    # no destroy grant by default
    assert error(up.http.delete(f"/api/upload/files/{mine['id']}", headers=ana.auth)) == (
        403, "ForbiddenError", "Forbidden")


def test_a_full_access_token_may_do_everything(up: Project) -> None:
    token = bearer(up.api_token("full-access"))
    cara = up.register("cara_files")
    hers = upload(up, cara.auth, "cara.png")
    ours = upload(up, token, "token.png")
    assert up.sql("SELECT uploader_id FROM files WHERE id = ?", ours["id"]) == [(None,)]
    listed = {f["id"] for f in up.http.get("/api/upload/files", headers=token).json()}
    assert {hers["id"], ours["id"]} <= listed
    assert [f["id"] for f in up.http.get("/api/upload/files", headers=cara.auth).json()] == [hers["id"]]
    assert up.http.get(f"/api/upload/files/{hers['id']}", headers=token).status_code == 200
    assert up.http.post(f"/api/upload?id={hers['id']}", headers=token,
                        data={"fileInfo": json.dumps({"alternativeText": "by ops"})}).status_code == 200
    deleted = up.http.delete(f"/api/upload/files/{hers['id']}", headers=token)
    assert deleted.status_code == 200 and deleted.json()["id"] == hers["id"]
    assert up.http.get(hers["url"]).status_code == 404


def test_read_only_and_custom_tokens(up: Project) -> None:
    owner = bearer(up.api_token("full-access"))
    file = upload(up, owner, "shared.png")
    reader = bearer(up.api_token("read-only"))
    assert up.http.get(f"/api/upload/files/{file['id']}", headers=reader).status_code == 200
    assert error(up.http.post("/api/upload", headers=reader, files=files(("r.png", image(5, 5)))))[0] == 403
    assert error(up.http.delete(f"/api/upload/files/{file['id']}", headers=reader))[0] == 403
    uploader = bearer(up.api_token("custom", ["plugin::upload.content-api.upload"]))
    assert up.http.post("/api/upload", headers=uploader, files=files(("c.png", image(5, 5)))).status_code == 201
    assert error(up.http.get("/api/upload/files", headers=uploader))[0] == 403
