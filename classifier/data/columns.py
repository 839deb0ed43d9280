"""Which column holds the statements: one rule for scoring, labeling and any other reader.

A user's file rarely calls its text column ``text``; a conventional name in Dutch
or English is found on its own, a single column is taken as it is, and anything
ambiguous is refused with the columns listed and the option that settles it.
"""

from __future__ import annotations

from ..exceptions import InputError

TEXT_COLUMNS = ("text", "quote", "statement", "tekst", "uitspraak", "citaat")


def find_text_column(columns: list[str], requested: str | None = None, *, where: str = "the table") -> int:
    """Index of the column holding the statements; an error lists the columns and the fix."""
    listed = ", ".join(columns)
    if requested is not None:
        if requested in columns:
            return columns.index(requested)
        folded = [i for i, c in enumerate(columns) if c.casefold() == requested.casefold()]
        if len(folded) == 1:
            return folded[0]
        raise InputError(f"{where}: no column '{requested}'; columns are: {listed}. Use --text-column NAME.")
    found = [i for i, c in enumerate(columns) if c.strip().casefold() in TEXT_COLUMNS]
    if len(found) == 1:
        return found[0]
    if len(columns) == 1:
        return 0
    if found:
        names = ", ".join(columns[i] for i in found)
        raise InputError(
            f"{where}: several columns could hold the text ({names}); columns are: {listed}. "
            f"Use --text-column {columns[found[0]]}."
        )
    raise InputError(
        f"{where}: no text column found (looked for {', '.join(TEXT_COLUMNS)}); columns are: {listed}. "
        "Use --text-column NAME."
    )
