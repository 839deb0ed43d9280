"""Plain-text tables for the terminal: what ``stance evaluate`` and ``stance models`` print."""

from __future__ import annotations

from ..config import LABELS


def _ms(summary: dict, key: str) -> str:
    return f"{summary[key]['mean']:.3f} ± {summary[key]['std']:.3f}"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def cv_report(result: dict) -> str:
    models = result["models"]
    main = next(iter(models))
    langs = sorted(result.get("rows_per_lang", {}))
    out = [
        f"Cross-validation: {result['scheme']}, scoring {result.get('scored_on', 'all rows')}: "
        f"{result['rows']} statements {result['rows_per_label']}",
        "",
    ]
    by_lang = result.get("by_lang", {})
    out.append(
        table(
            [
                [n, _ms(s, "macro_f1"), *[_ms(by_lang[n], lang) for lang in langs], _ms(s, "accuracy")]
                for n, s in models.items()
            ],
            [
                "model",
                "macro-F1 (mean ± sd)",
                *[f"{lang} ({result['rows_per_lang'][lang]})" for lang in langs],
                "accuracy (mean ± sd)",
            ],
        )
    )
    if "calibration" in result:
        cal = result["calibration"]
        out += [
            "",
            f"Calibration ({main}): expected calibration error {_ms(cal, 'ece')}; "
            f"the most confident half is right {_ms(cal, 'confident_half_accuracy')} of the time",
        ]
    out += ["", f"Per label ({main}):"]
    s = models[main]
    out.append(
        table(
            [[lab, _ms(s, f"precision_{lab}"), _ms(s, f"recall_{lab}")] for lab in LABELS],
            ["label", "precision", "recall"],
        )
    )
    m = result["confusion"]["matrix"]
    out += ["", f"Confusion matrix ({main}, out-of-fold, repeat 1; rows true, columns predicted):"]
    out.append(table([[lab, *map(str, m[i])] for i, lab in enumerate(LABELS)], ["", *LABELS]))
    out += ["", "Coverage against accuracy (label only when confidence >= threshold; else 'uncertain'):"]
    out.append(coverage(result["coverage"]))
    return "\n".join(out)


def coverage(rows: list[dict]) -> str:
    return table(
        [[f"{r['threshold']:.2f}", f"{r['coverage']:.1%}", f"{r['accuracy']:.3f}"] for r in rows],
        ["threshold", "coverage", "accuracy"],
    )


def holdout_report(name: str, scores: dict) -> str:
    out = [
        f"{name}: {scores['n']} statements, macro-F1 {scores['macro_f1']:.3f}, "
        f"accuracy {scores['accuracy']:.3f}"
    ]
    for lang, s in scores["by_lang"].items():
        out.append(
            f"  {lang}: {s['n']} statements, macro-F1 {s['macro_f1']:.3f}, accuracy {s['accuracy']:.3f}"
        )
    out.append(
        table([[lab, *map(str, scores["confusion"][i])] for i, lab in enumerate(LABELS)], ["", *LABELS])
    )
    out.append(coverage(scores["coverage"]))
    return "\n".join(out)
