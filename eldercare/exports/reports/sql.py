"""The ledgers' cells rendered by PostgreSQL: the CSV line and the hashed line of each row, for COPY.

A ledger that can be computed in SQL (the recipient and the visit ledger) gives a statement of its
typed rows: one column per ledger column, `c0`, `c1`, …, holding exactly the value its Python
source would put in the row (words already looked up, the ID number already masked). From those
this module builds, per row, two texts the database writes out through `COPY … TO STDOUT`:

- the CSV line as `csv.writer` writes it after `writers.tabular._csv_cell` (text neutralised
  against formulas, decimals with the format's places, times in the project's time zone, a field
  quoted when it holds a comma, a quote or a line break), without its line end;
- the data hash's line as `writers.canonical.RowHasher` builds it (the JSON array of the cells in
  canonical form: `json.dumps(..., ensure_ascii=False, separators=(",", ":"))`), without its "\\n".

These are a second rendering of `writers.canonical` and `writers.tabular`, kept on purpose for
speed (a Python CSV writer costs 20 µs a row); tests/exports/test_copy_ledgers.py holds them to
the Python writer byte for byte, on names with commas, quotes, line breaks and formulas.

Every SQL literal below comes from code (the export vocabulary, the column formats), never from
input; values from input are parameters.
"""

from django.conf import settings

from .. import vocabulary as v
from .base import Column


def literal(text: str) -> str:
    """A constant of this code as an SQL string literal (standard_conforming_strings is on)."""
    return "'" + text.replace("'", "''") + "'"


def word_sql(group: str, expr: str) -> str:
    """`vocabulary.word(group, code)` in SQL: the word, or the code itself when it has none."""
    cases = " ".join(f"WHEN {literal(code)} THEN {literal(text)}" for code, text in v.WORDS[group].items())
    return f"(CASE {expr} {cases} ELSE {expr} END)"


def yes_no_sql(expr: str) -> str:
    """`vocabulary.yes_no` of a boolean expression; NULL stays empty."""
    return f"(CASE WHEN ({expr}) IS NULL THEN NULL WHEN ({expr}) THEN {literal(v.YES)} ELSE {literal(v.NO)} END)"


def masked_sql(expr: str) -> str:
    """`core.masking.mask_resident_id` in SQL: the first six and the last four characters stay.

    Python strips surrounding white space first; ID numbers are validated on input (18 characters,
    checksum), so only ASCII white space could ever be there and only it is trimmed here.
    """
    from eldercare.core.masking import MASK

    number = f"btrim(COALESCE({expr}, ''), E' \\t\\n\\r\\f\\v')"
    return (
        f"(CASE WHEN {number} = '' THEN NULL "
        f"WHEN length({number}) <= 10 THEN repeat({literal(MASK)}, length({number})) "
        f"ELSE left({number}, 6) || repeat({literal(MASK)}, length({number}) - 10) || right({number}, 4) END)"
    )


def local_time_sql(expr: str) -> str:
    """A timestamp as the files write it: wall time in the project's zone, whole seconds (truncated)."""
    return f"to_char(({expr}) AT TIME ZONE {literal(settings.TIME_ZONE)}, 'YYYY-MM-DD HH24:MI:SS')"


def _text(column: Column, expr: str) -> str:
    """The cell's canonical text (what the data hash reads), NULL for an empty cell."""
    if column.kind == "str":
        return f"NULLIF(({expr})::text, '')"
    if column.kind == "int":
        return f"(({expr})::bigint)::text"
    if column.kind == "date":
        return f"to_char(({expr})::date, 'YYYY-MM-DD')"
    if column.kind == "datetime":
        return local_time_sql(expr)
    if column.kind == "dec":
        return f"(trim_scale(({expr})::numeric))::text"
    raise ValueError(f"no SQL rendering for a {column.kind} column")


# A field csv.writer quotes (QUOTE_MINIMAL, "\r\n" line ends): one holding a comma, a quote or a line break.
_NEEDS_QUOTES = r"""[,"\r\n]"""


def _neutralised(text: str) -> str:
    """`tabular.neutralise`: a leading ' before a text a spreadsheet would read as a formula."""
    from ..writers.tabular import DANGEROUS_START  # the writers import the reports

    starts = ", ".join(literal(character) for character in DANGEROUS_START)
    return f"(CASE WHEN left({text}, 1) IN ({starts}) THEN '''' || {text} ELSE {text} END)"


def _fixed(column: Column, expr: str) -> str:
    """`canonical.fixed`: the format's places, unless the value has more (never rounded in a file).

    A stored value's scale is its column's (numeric(9,6): 6), so the first test settles nearly all.
    """
    number = f"(({expr})::numeric)"
    places = column.decimals
    return (
        f"(CASE WHEN scale({number}) <= {places} OR scale(trim_scale({number})) <= {places} "
        f"THEN (round({number}, {places}))::text ELSE (trim_scale({number}))::text END)"
    )


def _quoted(cell: str) -> str:
    return f"""(CASE WHEN {cell} ~ E'{_NEEDS_QUOTES}' THEN '"' || replace({cell}, '"', '""') || '"' ELSE {cell} END)"""


# A line needs the slow path when one of its text cells holds a character csv.writer quotes, or starts
# with one `neutralise` guards (the cells joined by \x1f, so "starts" is "after a \x1f"; a \x1f inside
# a cell can only send a line to the slow path, which is exact, never keep one from it).
_SEPARATOR = "E'\\x1f'"
_NEEDS_CARE = r"""[,"\r\n]|(^|\x1f)[-=+@\t\r'']"""  # the quote doubled: it sits in an SQL literal


def lines_sql(columns: list[Column], typed_sql: str) -> str:
    """The CSV line and the hashed line of each row of `typed_sql` (columns c0, c1, …), in its order.

    The levels above the typed statement only compute (no join, no aggregate, no sort), so its rows
    come out in the order its ORDER BY made; an ORDER BY here would sort the lines once more (the
    planner does not see through the levels), a national visit ledger's gigabytes on disk.

    Two levels, each kept by `OFFSET 0` (a subquery pulled up into its parent would evaluate a
    column's expression again at every reference): the typed cells; their canonical texts (what the
    hash reads) with, for the CSV, decimals in the format's places, and the text cells joined for
    one test of the whole line. A line that needs no quoting and no neutralising (nearly all) is the
    cells joined; the others are built cell by cell.
    """
    from ..writers.tabular import DANGEROUS_START

    if set(DANGEROUS_START) != {"=", "+", "-", "@", "\t", "\r", "'"}:  # _NEEDS_CARE lists them
        raise ValueError("reports.sql._NEEDS_CARE must list tabular.DANGEROUS_START")
    canonical = [f"{_text(column, f't.c{index}')} AS s{index}" for index, column in enumerate(columns)]
    shown = [
        f"{_fixed(column, f't.c{index}')} AS f{index}"
        for index, column in enumerate(columns)
        if column.kind == "dec" and column.decimals is not None
    ]
    texts = f"SELECT {', '.join(canonical + shown)} FROM ({typed_sql}) AS t OFFSET 0"
    text_cells = [f"s.s{index}" for index, column in enumerate(columns) if column.kind == "str"]
    joined = f"concat_ws({_SEPARATOR}, {', '.join(text_cells)})" if text_cells else "''"
    cells = f"SELECT s.*, {joined} AS text_line FROM ({texts}) AS s OFFSET 0"
    plain, careful = [], []
    for index, column in enumerate(columns):
        if column.kind == "str":
            plain.append(f"COALESCE(n.s{index}, '')")
            careful.append(f"COALESCE({_quoted(_neutralised(f'n.s{index}'))}, '')")
        else:
            cell = f"n.f{index}" if column.kind == "dec" and column.decimals is not None else f"n.s{index}"
            plain.append(f"COALESCE({cell}, '')")
            careful.append(f"COALESCE({cell}, '')")
    # One call each for the whole row (a chain of || copies the growing line at every step);
    # array_to_json writes ["a","b"] with no spaces, escaping as json.dumps(ensure_ascii=False) does.
    hash_cells = [f"COALESCE(n.s{index}, '')" for index in range(len(columns))]
    return (
        f"SELECT CASE WHEN n.text_line ~ E'{_NEEDS_CARE}' THEN concat_ws(',', {', '.join(careful)}) "
        f"ELSE concat_ws(',', {', '.join(plain)}) END AS csv_line, "
        f"array_to_json(ARRAY[{', '.join(hash_cells)}])::text AS hash_line "
        f"FROM ({cells}) AS n"
    )
