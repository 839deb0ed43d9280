"""The evaluation report: figure data, PNGs, report.html, and ``stance evaluate --report``."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from classifier.cli import main
from classifier.config import LABELS

from ..conftest import SMALL_TRAIN

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FIGURES = {
    "confusion_matrix",
    "macro_f1_by_group",
    "reliability",
    "coverage",
    "learning_curve",
    "top_ngrams",
    "confident_mistakes",
}


class Page(HTMLParser):
    """What a browser would fetch and show: image sources, headings and table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.headings: list[str] = []
        self.text: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        self._in_heading = tag in ("h1", "h2")

    def handle_endtag(self, tag):
        self._in_heading = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_heading:
            self.headings.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def report(small_data):
    from classifier.evaluation.report import build_report, report_steps
    from classifier.models.estimator import StanceClassifier

    ticks = []
    estimator = StanceClassifier("fast")
    result = build_report(estimator, small_data, name="fast", n_splits=2, n_repeats=2, progress=ticks.append)
    assert len(ticks) == report_steps(estimator, n_splits=2, n_repeats=2)
    return result


def test_every_figure_has_strict_json_data(report):
    assert set(report.figures) == FIGURES
    text = json.dumps(report.to_json(), allow_nan=False)
    assert json.loads(text)["figures"] == report.figures


def test_figure_data_adds_up(report, small_data):
    n = len(small_data)
    f = report.figures
    assert sum(map(sum, f["confusion_matrix"]["matrix"])) == n
    assert sum(b["count"] for b in f["reliability"]["bins"]) == 2 * n  # every row in both repeats
    coverage = [p["coverage"] for p in f["coverage"]["points"]]
    assert coverage[0] == 1.0 and coverage == sorted(coverage, reverse=True)
    assert [p["fraction"] for p in f["learning_curve"]["points"]] == [0.25, 0.5, 0.75, 1.0]
    groups = f["macro_f1_by_group"]["groups"]
    assert {g["value"] for g in groups["lang"]} == {"nl", "en"}
    assert sum(g["n"] for g in groups["lang"]) == n
    ngrams = f["top_ngrams"]
    assert ngrams["available"] and all(ngrams["labels"][label] for label in LABELS)
    mistakes = f["confident_mistakes"]["rows"]
    assert len(mistakes) <= 10
    assert all(m["label"] != m["predicted"] for m in mistakes)
    assert [m["confidence"] for m in mistakes] == sorted((m["confidence"] for m in mistakes), reverse=True)


def test_plots_redraw_from_json(report):
    from classifier.evaluation import plots

    figures = json.loads(json.dumps(report.figures))
    for name, data in figures.items():
        fig = plots.FIGURES[name](data)
        assert fig.get_axes(), name


def test_html_references_only_images_that_exist(report, tmp_path):
    from classifier.evaluation.report import write_report

    written = write_report(report, tmp_path / "out")
    page = parse(written["html"])
    assert len(page.images) == len(FIGURES)
    for src in page.images:
        image = (written["html"].parent / src).resolve()
        assert image.parent == written["html"].parent.resolve(), "images sit beside the page"
        assert image.read_bytes()[:8] == PNG_MAGIC, src
    assert "Confusion matrix" in page.headings
    assert "macro-F1 (mean ± sd over folds)" in page.text


def test_user_text_is_escaped_in_html_and_plots(report, tmp_path):
    from classifier.evaluation.report import write_report

    tricky = copy.deepcopy(report)
    tricky.figures["confident_mistakes"]["rows"] = [
        {"text": "Prijs $5, <script>alert(1)</script> & $klaar", "label": LABELS[0], "predicted": LABELS[1]}
        | {"confidence": 0.9}
    ]
    written = write_report(tricky, tmp_path)
    html = written["html"].read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert written["confident_mistakes"].stat().st_size > 0


def test_model_without_ngrams_says_why_instead_of_a_plot(small_data, tmp_path):
    from classifier.evaluation.baselines import KeywordRule
    from classifier.evaluation.report import build_report, write_report

    result = build_report(KeywordRule(), small_data, name="keywords", n_splits=2, n_repeats=1)
    assert result.figures["top_ngrams"]["available"] is False
    written = write_report(result, tmp_path)
    assert "top_ngrams" not in written
    page = parse(written["html"])
    assert len(page.images) == len(FIGURES) - 1
    assert any("no n-gram features" in t for t in page.text)


def test_cli_writes_report_and_json_carries_the_figures(tmp_path, capsys):
    out = tmp_path / "out"
    argv = [
        "evaluate",
        "--model",
        "fast",
        "--only",
        "--data",
        str(SMALL_TRAIN),
        "--repeats",
        "1",
        "--folds",
        "2",
    ]
    assert main([*argv, "--report", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["models"]) == {"fast", "majority", "keyword rule"}, "the usual figures stay"
    assert set(result["report"]["figures"]) == FIGURES
    assert Path(result["report"]["files"]["html"]) == out / "report.html"
    for src in parse(out / "report.html").images:
        assert (out / src).is_file()
    assert main([*argv, "--report", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Confusion matrix" in text and f"report written to {out / 'report.html'}" in text


def test_cli_report_works_for_the_accurate_kind(tmp_path, capsys):
    out = tmp_path / "accurate"
    argv = [
        "evaluate",
        "--model",
        "accurate",
        "--only",
        "--data",
        str(SMALL_TRAIN),
        "--repeats",
        "1",
        "--folds",
        "2",
    ]
    assert main([*argv, "--report", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["report"]["figures"]) == FIGURES
    images = parse(out / "report.html").images
    assert images and all((out / src).read_bytes()[:8] == PNG_MAGIC for src in images)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--holdout", str(SMALL_TRAIN)], "--report cross-validates a model kind"),
        (["--report", "IS_A_FILE"], "is a file; give a folder"),
    ],
)
def test_cli_report_errors_are_one_line(extra, message, tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    argv = [
        "evaluate",
        "--model",
        "fast",
        "--only",
        "--data",
        str(SMALL_TRAIN),
        "--repeats",
        "1",
        "--folds",
        "2",
    ]
    argv += [str(a_file) if a == "IS_A_FILE" else a for a in extra]
    if "--report" not in argv:
        argv += ["--report", str(tmp_path / "out")]
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_a_report_scores_only_the_rows_it_is_told_to(small_data):
    """``stance evaluate --report`` scores the real rows, like the table; the others only train."""
    from classifier.evaluation.report import build_report
    from classifier.models.estimator import StanceClassifier

    data = small_data.copy()
    scored = np.zeros(len(data), dtype=bool)
    for label in data["label"].unique():
        scored[np.flatnonzero(data["label"].to_numpy() == label)[:4]] = True
    data.loc[scored, "source"] = "real"
    result = build_report(
        StanceClassifier("fast"), data, name="fast", n_splits=2, n_repeats=1, score_on=scored
    )
    assert result.summary["rows"] == int(scored.sum()) == 8
    assert sum(result.figures["confusion_matrix"]["matrix"][0]) + sum(
        result.figures["confusion_matrix"]["matrix"][1]
    ) == int(scored.sum())
    (full,) = [p for p in result.figures["learning_curve"]["points"] if p["fraction"] == 1.0]
    assert full["train_rows"] == (len(data) - 8) + 8 // 2  # unscored rows train in every fold
