"""stance models: list model versions; promote, roll back or remove one.

Without an action: list the versions of each kind (* marks the active one).
"""

from __future__ import annotations

import json

from ..config import MODEL_KINDS
from .common import add_models_dir, command_parser, models_root


def add_parser(sub) -> None:
    p = command_parser(sub, __doc__, run)
    p.add_argument("--kind", choices=MODEL_KINDS, help="only this kind (default: all; actions: accurate)")
    p.add_argument("--json", action="store_true", help="list as JSON")
    add_models_dir(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = actions.add_parser("promote", help="make version ID the active one")
    a.add_argument("id", metavar="ID")
    actions.add_parser("rollback", help="make the previously active version active again")
    a = actions.add_parser("remove", help="delete version ID (never the active one)")
    a.add_argument("id", metavar="ID")


def _row(v) -> dict:
    meta = v.metadata or {}
    cv = meta.get("cv", {}).get("macro_f1", {})
    hold = (meta.get("holdout") or {}).get("new", {})
    return {
        "kind": v.kind,
        "id": v.id,
        "active": v.active,
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
            print(f"{kind}: rolled back to {registry.rollback(kind, root)}")
        else:
            registry.remove(kind, args.id, root)
            print(f"{kind}: removed {args.id}")
        return 0
    rows = [
        _row(v)
        for kind in ([args.kind] if args.kind else MODEL_KINDS)
        for v in registry.list_versions(kind, root)
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
                    "BROKEN: " + r["broken"] if r["broken"] else "",
                ]
                for r in rows
            ],
            ["kind", "version", "created (UTC)", "training rows", "CV macro-F1", "holdout F1", "status"],
        )
    )
    return 0
