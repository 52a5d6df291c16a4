"""The s3 provider against a real S3 server: moto's, started in this process on a free port.

Public bucket (objects written with ``s3_acl = "public-read"``): answers carry
``<endpoint>/<bucket>/<key>`` URLs that the bucket serves to anyone. Private
bucket (``s3_private``): answers carry presigned URLs (``isUrlSigned: true``)
that work where the plain URL is refused, while the row keeps the plain URL.
Deleting a file removes its objects, formats included.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from tests.helpers.project import free_port
from tests.plugins.upload.support import SVG, Project, bearer, files, image, serve

REGION = "us-east-1"


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                          aws_access_key_id="test", aws_secret_access_key="test")
    for bucket in ("public-media", "private-media"):
        client.create_bucket(Bucket=bucket)
    client.endpoint = endpoint
    try:
        yield client
    finally:
        server.stop()


def settings(s3: Any, bucket: str, private: bool) -> str:
    return (f'provider = "s3"\ns3_bucket = "{bucket}"\ns3_region = "{REGION}"\ns3_endpoint = "{s3.endpoint}"\n'
            f's3_access_key_id = "test"\ns3_prefix = "media/"\ns3_private = {"true" if private else "false"}\n'
            + ("" if private else 's3_acl = "public-read"\n'))


@pytest.fixture(scope="module")
def public(s3: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    # the secret comes from the environment, as it should in a real deployment
    with serve(tmp_path_factory.mktemp("s3"), settings(s3, "public-media", False),
               env={"CMS_PLUGINS_UPLOAD_S3_SECRET_ACCESS_KEY": "test"}) as project:
        yield project


def keys(s3: Any, bucket: str) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_files_go_to_the_bucket_and_are_served_from_it(s3: Any, public: Project) -> None:
    token = bearer(public.api_token("full-access"))
    content = image(1200, 800)
    answer = public.http.post("/api/upload", headers=token, files=files(("cloud.png", content)))
    assert answer.status_code == 201, answer.text
    [file] = answer.json()
    assert (file["provider"], file["isUrlSigned"]) == ("aws-s3", False)
    assert file["url"] == f"{s3.endpoint}/public-media/media/{file['hash']}.png"
    fetched = httpx.get(file["url"])
    assert fetched.status_code == 200 and fetched.content == content
    assert fetched.headers["content-type"] == "image/png"
    expected = {f"media/{file['hash']}.png", *(f"media/{name}_{file['hash']}.png" for name in file["formats"])}
    assert expected <= keys(s3, "public-media")
    thumbnail = httpx.get(file["formats"]["thumbnail"]["url"])
    assert Image.open(io.BytesIO(thumbnail.content)).size == (234, 156)
    assert not (public.root / "public" / "uploads").exists() or not any((public.root / "public" / "uploads").iterdir())

    deleted = public.http.delete(f"/api/upload/files/{file['id']}", headers=token)
    assert deleted.status_code == 200 and deleted.json()["url"] == file["url"]
    assert not expected & keys(s3, "public-media")


def test_active_content_is_stored_as_an_attachment(s3: Any, public: Project) -> None:
    token = bearer(public.api_token("full-access"))
    [file] = public.http.post("/api/upload", headers=token, files=files(("logo.svg", SVG))).json()
    head = s3.head_object(Bucket="public-media", Key=f"media/{file['hash']}.svg")
    assert head["ContentType"] == "image/svg+xml" and head["ContentDisposition"] == "attachment"
    [png] = public.http.post("/api/upload", headers=token, files=files(("ok.png", image(10, 10)))).json()
    assert "ContentDisposition" not in s3.head_object(Bucket="public-media", Key=f"media/{png['hash']}.png")


def test_a_private_bucket_answers_with_signed_urls(s3: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    with serve(tmp_path_factory.mktemp("s3private"), settings(s3, "private-media", True),
               env={"CMS_PLUGINS_UPLOAD_S3_SECRET_ACCESS_KEY": "test"}) as private:
        token = bearer(private.api_token("full-access"))
        content = image(600, 400, "JPEG")
        answer = private.http.post("/api/upload", headers=token, files=files(("secret.jpg", content)),
                                   data={"fileInfo": json.dumps({"caption": "private"})})
        assert answer.status_code == 201, answer.text
        [file] = answer.json()
        plain = f"{s3.endpoint}/private-media/media/{file['hash']}.jpg"
        assert file["isUrlSigned"] is True
        assert file["url"].startswith(plain + "?") and "X-Amz-Signature=" in file["url"]
        assert httpx.get(file["url"]).content == content
        assert httpx.get(plain).status_code == 403  # the bucket itself is private
        for fmt in file["formats"].values():
            assert "X-Amz-Signature=" in fmt["url"] and httpx.get(fmt["url"]).status_code == 200
        assert private.sql("SELECT url FROM files WHERE id = ?", file["id"]) == [(plain,)]
        again = private.http.get(f"/api/upload/files/{file['id']}", headers=token).json()
        assert again["isUrlSigned"] is True and "X-Amz-Signature=" in again["url"]
        assert private.http.delete(f"/api/upload/files/{file['id']}", headers=token).status_code == 200
        assert keys(s3, "private-media") == set()
