"""stance models: list model versions; promote, roll back or remove one.

Without an action: list, per kind, the model shipped with the project and the versions
trained here (* marks the one that answers). Rolling back past the first trained
version makes the shipped model answer again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..config import MODEL_KINDS
from .common import add_models_dir, command_parser, models_root

if TYPE_CHECKING:
    from ..models.registry import Version


def add_parser(sub) -> None:
    p = command_parser(sub, __doc__, run)
    p.add_argument("--kind", choices=MODEL_KINDS, help="only this kind (default: all; actions: accurate)")
    p.add_argument("--json", action="store_true", help="list as JSON")
    add_models_dir(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = actions.add_parser("promote", help="make version ID the active one")
    a.add_argument("id", metavar="ID")
    actions.add_parser(
        "rollback",
        help="make the previously active version active again (before the first: the shipped model)",
    )
    a = actions.add_parser("remove", help="delete version ID (never the active one)")
    a.add_argument("id", metavar="ID")


def _row(v: Version) -> dict:
    meta = v.metadata or {}
    cv = meta.get("cv", {}).get("macro_f1", {})
    hold = (meta.get("holdout") or {}).get("new", {})
    return {
        "kind": v.kind,
        "id": v.id,
        "active": v.active,
        "shipped": v.shipped,
        "folder": str(v.folder),
        "created": meta.get("created", ""),
        "rows_per_source": meta.get("rows_per_source", {}),
        "cv_macro_f1": cv.get("mean"),
        "cv_macro_f1_std": cv.get("std"),
        "holdout_macro_f1": hold.get("macro_f1"),
        "decision": meta.get("decision", ""),
        "broken": v.problem,
    }


def run(args) -> int:
    from ..models import registry
    from .tables import table

    root = models_root(args)
    if args.action:
        kind = args.kind or "accurate"
        if args.action == "promote":
            registry.promote(kind, args.id, root)
            print(f"{kind}: {args.id} is now active")
        elif args.action == "rollback":
            print(f"{kind}: rolled back to {_describe(registry.rollback(kind, root))}; it is now active")
        else:
            registry.remove(kind, args.id, root)
            print(f"{kind}: removed {args.id}")
        return 0
    rows = [
        _row(v)
        for kind in ([args.kind] if args.kind else MODEL_KINDS)
        for v in [registry.shipped_version(kind, root), *registry.list_versions(kind, root)]
        if v is not None
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no model versions yet; 'stance train' makes one")
        return 0
    fmt = lambda x: "" if x is None else f"{x:.3f}"  # noqa: E731
    print(
        table(
            [
                [
                    ("* " if r["active"] else "  ") + r["kind"],
                    r["id"],
                    r["created"][:19],
                    " ".join(f"{k}={n}" for k, n in r["rows_per_source"].items()),
                    f"{fmt(r['cv_macro_f1'])} ± {fmt(r['cv_macro_f1_std'])}"
                    if r["cv_macro_f1"] is not None
                    else "",
                    fmt(r["holdout_macro_f1"]),
                    _status(r),
                ]
                for r in rows
            ],
            ["kind", "version", "created (UTC)", "training rows", "CV macro-F1", "holdout F1", "status"],
        )
    )
    if all(r["shipped"] for r in rows):
        in_use = sum(r["active"] for r in rows)
        answers = (
            "the shipped model marked * answers" if in_use == 1 else "the shipped models marked * answer"
        )
        if not in_use:
            answers = "the first command that needs a model trains it"
        print(f"\nno versions of your own yet ({answers}); 'stance train' makes a version of your own")
    return 0


def _status(row: dict) -> str:
    if not row["shipped"]:
        return "BROKEN: " + row["broken"] if row["broken"] else ""
    return f"shipped: {row['folder']}" + (f"; not usable here: {row['broken']}" if row["broken"] else "")


def _describe(v: Version) -> str:
    """Which model a rollback made active, in words: a trained id, or the shipped model and where it is."""
    if not v.shipped:
        return v.id
    created = (v.metadata or {}).get("created", "")[:10]
    return f"the shipped model {v.id} (trained {created}, {v.folder})"
