"""The HTTP API through the ASGI test client: every endpoint, every error, and sameness with the CLI."""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.cli import main
from classifier.config import LABELS
from classifier.serve import MAX_TEXTS

from ..scoring.test_pipeline import BAD, GOOD, SCORE

STATEMENTS = [
    "Ik zeg wel eens nee tegen een klant.",
    "The customer is always right, whatever it costs us.",
    "Na zessen neem ik niet meer op.",
    "<script>alert('x')</script> We do whatever the client asks.",
]


def one_line_error(response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str)
    assert body["error"] and "\n" not in body["error"] and "Traceback" not in body["error"]
    return body["error"]


def cli_json(capsys, model_dir, texts: list[str], *extra: str) -> list[dict]:
    assert main(["classify", "--json", "--model", str(model_dir), *extra, *texts]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_health(client, loaded):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model": loaded.info()}
    assert set(loaded.info()) == {"kind", "version", "sha256"} and loaded.info()["sha256"]


@pytest.mark.parametrize("min_confidence", [0.0, 0.7])
def test_classify_equals_the_cli(client, loaded, model_dir, capsys, min_confidence):
    response = client.post("/classify", json={"texts": STATEMENTS, "min_confidence": min_confidence})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == loaded.info()
    expected = cli_json(capsys, model_dir, STATEMENTS, "--min-confidence", str(min_confidence))
    assert body["results"] == expected, "labels and probabilities exactly those of stance classify --json"
    assert [r["text"] for r in body["results"]] == STATEMENTS, "input order, text unchanged"


def test_script_in_a_statement_comes_back_as_text(client):
    text = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    response = client.post("/classify", json={"texts": [text]})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["results"][0]["text"] == text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1).filter(str.strip), min_size=1, max_size=5))
def test_any_text_gets_a_label(client, texts):
    results = client.post("/classify", json={"texts": texts}).json()["results"]
    assert [r["text"] for r in results] == texts
    for r in results:
        assert r["label"] in LABELS
        assert set(r["probabilities"]) == set(LABELS)
        assert abs(sum(r["probabilities"].values()) - 1) < 1e-5
        assert r["confidence"] == max(r["probabilities"].values())


def test_no_texts_gives_no_results(client):
    assert client.post("/classify", json={"texts": []}).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"texts": ["fine", ""]}, 422, "texts[1] is empty"),
        ({"texts": ["fine", "ok", "   \n"]}, 422, "texts[2] is empty"),
        ({"texts": ["x"] * (MAX_TEXTS + 1)}, 413, f"at most {MAX_TEXTS:,}"),
        ({"texts": ["x"], "min_confidence": 2}, 422, "min_confidence"),
        ({"texts": "one string"}, 422, "texts"),
        ({"texts": ["a", 3]}, 422, "texts[1]"),
        ({"text": ["a"]}, 422, "texts"),
    ],
)
def test_classify_errors(client, body, status, fragment):
    assert fragment in one_line_error(client.post("/classify", json=body), status)


def test_classify_rejects_a_body_that_is_not_json(client):
    response = client.post("/classify", content=b"texts=a", headers={"Content-Type": "application/json"})
    assert "send JSON like" in one_line_error(response, 422)


def upload(client, path, **fields):
    with path.open("rb") as f:
        return client.post("/score", files={"file": (path.name, f)}, data=fields)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_score_is_byte_identical_to_the_cli(client, model_dir, tmp_path, uploads, capsys, name):
    source = tmp_path / name
    shutil.copy(SCORE / name, source)
    assert main(["score", str(source), "--model", str(model_dir)]) == 0
    (written,) = [p for p in tmp_path.iterdir() if ".scored." in p.name]
    summary_line = capsys.readouterr().out
    response = upload(client, source)
    assert response.status_code == 200, response.text
    assert response.content == written.read_bytes()
    assert f'filename="{written.name}"' in response.headers["content-disposition"]
    assert response.headers["content-type"].startswith(
        "application/gzip" if name.endswith(".gz") else "text/csv"
    )
    summary = json.loads(response.headers["x-stance-summary"])
    assert f"scored {summary['rows']:,} rows" in summary_line
    assert f"{summary['empty']:,} with empty text" in summary_line
    assert list(uploads.iterdir()) == [], "the upload folder is removed after the response"


@pytest.mark.parametrize("name", sorted(BAD))
def test_score_refuses_what_the_cli_refuses_with_its_message(
    client, tmp_path, uploads, model_dir, capsys, name
):
    source = tmp_path / name
    shutil.copy(SCORE / name, source)
    assert main(["score", str(source), "--model", str(model_dir)]) != 0
    cli_message = capsys.readouterr().err.strip().removeprefix("stance: error: ")
    cli_message = cli_message.replace(f"{tmp_path}/", "")  # the CLI names the path it was given
    response = upload(client, source)
    assert response.status_code in (400, 422)
    assert one_line_error(response, response.status_code) == cli_message
    assert list(uploads.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "fields", "flags"),
    [
        ("cp1252.csv", {"encoding": "cp1252"}, ["--encoding", "cp1252"]),
        ("missing_text_column.csv", {"text_column": "answer"}, ["--text-column", "answer"]),
        ("pipe.csv", {"sep": "|", "min_confidence": "0.8"}, ["--sep", "|", "--min-confidence", "0.8"]),
    ],
)
def test_score_options_match_the_cli_flags(client, model_dir, tmp_path, name, fields, flags):
    source = tmp_path / name
    shutil.copy(SCORE / name, source)
    assert (
        main(["score", str(source), "-o", str(tmp_path / "cli.csv"), "--model", str(model_dir), *flags]) == 0
    )
    response = upload(client, source, **fields)
    assert response.status_code == 200, response.text
    assert response.content == (tmp_path / "cli.csv").read_bytes()


def test_score_form_errors(client, tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("text\nWe always say yes.\n")
    assert "multipart/form-data" in one_line_error(client.post("/score", content=b"text\nhi\n"), 400)
    response = client.post("/score", data={"text_column": "text"}, files={"other": ("x", b"y")})
    assert "unknown form field 'other'" in one_line_error(response, 400)
    response = client.post("/score", data={"text_column": "text"}, files={"text_column": ("n", b"text")})
    assert "no file" in one_line_error(response, 400)
    assert "between 0 and 1" in one_line_error(upload(client, source, min_confidence="lots"), 422)
    assert "between 0 and 1" in one_line_error(upload(client, source, min_confidence="1.5"), 422)


def test_oversize_upload_is_refused_before_it_is_read(make_client, uploads, tmp_path):
    small = make_client(max_upload_mb=0.01)  # 10 KiB
    big = tmp_path / "big.csv"
    big.write_text("text\n" + "We always say yes to the client.\n" * 1000)
    assert "--max-upload-mb" in one_line_error(upload(small, big), 413)

    def chunks():  # no Content-Length: counted as it streams in
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\ntext\n'
        for _ in range(1000):
            yield b"We always say yes to the client.\n"
        yield b"\r\n--b--\r\n"

    response = small.post(
        "/score", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert "--max-upload-mb" in one_line_error(response, 413)
    big_json = {"texts": ["a statement of some length"] * 2000}
    assert "--max-upload-mb" in one_line_error(small.post("/classify", json=big_json), 413)
    assert list(uploads.iterdir()) == []


@pytest.mark.parametrize(
    ("filename", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("/tmp/answers.csv", "answers.csv"),
        ("C:\\Users\\me\\antwoorden.csv", "antwoorden.csv"),
        ("..", "upload.csv"),
        ("", "upload.csv"),
        ("a<b>|c.csv", "a_b__c.csv"),
    ],
)
def test_no_path_given_by_the_client_is_used(filename, stored):
    from classifier.serve.upload import safe_name

    assert safe_name(filename) == stored


def test_an_upload_named_like_a_path_stays_in_the_upload_folder(client, tmp_path, uploads):
    outside = tmp_path / "answers.scored.csv"
    response = client.post("/score", files={"file": ("../answers.csv", b"text\nWe always say yes.\n")})
    assert response.status_code == 200, response.text
    assert 'filename="answers.scored.csv"' in response.headers["content-disposition"]
    assert not outside.exists() and list(uploads.iterdir()) == []


TOKEN = "s3cret-token"


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/model", {}),
        ("post", "/classify", {"json": {"texts": ["We say no."]}}),
        ("post", "/score", {"files": {"file": ("a.csv", b"text\nWe say no.\n")}}),
    ],
)
def test_token_guards_every_endpoint(make_client, method, path, kwargs):
    client = make_client(token=TOKEN)
    missing = getattr(client, method)(path, **kwargs)
    assert "Authorization: Bearer TOKEN" in one_line_error(missing, 401)
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = getattr(client, method)(path, headers={"Authorization": "Bearer nope"}, **kwargs)
    assert "wrong token" in one_line_error(wrong, 401)
    basic = getattr(client, method)(path, headers={"Authorization": f"Basic {TOKEN}"}, **kwargs)
    one_line_error(basic, 401)
    right = getattr(client, method)(path, headers={"Authorization": f"Bearer {TOKEN}"}, **kwargs)
    assert right.status_code == 200, right.text


def test_token_leaves_health_and_the_page_open(make_client):
    client = make_client(token=TOKEN)
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/").status_code == 200  # a browser cannot send the header; the page asks for it
    assert client.get("/static/app.js").status_code == 200


def test_model_tells_the_measured_accuracy_or_none(make_client, measured, loaded):
    assert make_client(model=measured).get("/model").json()["real_accuracy"]["macro_f1"] == 0.5912
    body = make_client(model=loaded).get("/model").json()
    assert body["real_accuracy"] is None and body["model"] == loaded.info()


def test_page_and_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert 'id="texts"' in html and 'id="classify"' in html and 'id="file"' in html
    assert "http://" not in html and "https://" not in html, "nothing from other hosts"
    for asset in ("/static/app.js", "/static/style.css"):
        response = client.get(asset)
        assert response.status_code == 200 and "http" not in response.text
    assert "innerHTML" not in client.get("/static/app.js").text, "statements are only ever set as text"


def test_docs_are_served_without_other_hosts(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "cdn." not in docs.text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/model", "/classify", "/score"} <= set(paths)
    assert "multipart/form-data" in paths["/score"]["post"]["requestBody"]["content"]


def test_unknown_paths_and_methods_answer_json(client):
    assert "/docs" in one_line_error(client.get("/nope"), 404)
    assert "GET is not allowed" in one_line_error(client.get("/classify"), 405)


def test_a_failure_inside_answers_json(make_client, monkeypatch):
    import classifier.serve.app as app_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(app_module, "predict", broken)
    from fastapi.testclient import TestClient

    client = TestClient(make_client().app, raise_server_exceptions=False)
    assert "RuntimeError" in one_line_error(client.post("/classify", json={"texts": ["a"]}), 500)
