"""The terminal report draws many small tables: those whose columns come out equally wide are drawn by
one tabulate call and cut apart, which must give exactly what one call per table gives, whatever the cells
hold (wrapped lines, spaces at the ends, wide or control characters, colour)."""

from hypothesis import given, settings, strategies as st
from tabulate import tabulate

from auditor.reports import table

_text = st.text(alphabet=st.sampled_from(list("ab /:`-") + ["\n", " ", "é", "界", "\t", "\r", "\x0b", "\u2028"]),
                max_size=12)
_plain = st.text(alphabet=st.sampled_from(list("abcd/:-") + ["\n"]), min_size=1, max_size=9).filter(
    lambda s: table._PLAIN_CELL.match(s) is not None)
_cell = st.one_of(_plain, _plain, _text)
_severity = st.sampled_from(["critical", "high", "medium", "low", "info"])


@st.composite
def _tables(draw):
    tables, number = [], 0
    color = draw(st.booleans())
    for _ in range(draw(st.integers(0, 12))):
        plain, drawn = [], []
        for _ in range(draw(st.integers(1, 3))):
            number += draw(st.sampled_from([1, 1, 1, 900]))  # past 999 the # column widens
            row = [number, draw(_severity), draw(st.sampled_from(["AGW101", "AGW3", "CUSTOM-RULE-9"])),
                   draw(_cell), draw(_cell)]
            plain.append(row)
            drawn.append([row[0], f"\033[33m{row[1]}\033[0m", *row[2:]] if color else row)
        tables.append((plain, drawn))
    return tables


@settings(max_examples=400, deadline=None)
@given(tables=_tables())
def test_grouped_tables_are_drawn_as_one_call_each_draws_them(tables):
    expected = [tabulate(drawn, headers=table._HEADERS, tablefmt="simple", disable_numparse=True)
                for _, drawn in tables]
    assert table._tables(tables, table._HEADERS) == expected


def test_tables_of_equal_widths_share_one_call(monkeypatch):
    calls = []
    real = table.tabulate
    monkeypatch.setattr(table, "tabulate", lambda rows, **kw: (calls.append(len(rows)), real(rows, **kw))[1])
    rows = [[[n, "high", "AGW101", "route GET /a", "wrapped\nmessage"]] for n in range(1, 41)]
    out = table._tables([(r, r) for r in rows], table._HEADERS)
    assert calls == [40]  # one call for the forty tables
    assert out[7] == tabulate(rows[7], headers=table._HEADERS, tablefmt="simple", disable_numparse=True)
