"""`DataFrame`: the rows a model trains on and predicts, column by column, in the Rust SDK's
vocabulary (`f64_column`, `str_column`, `set_f64`, `num_rows`). Each column has one type
(f64, s64, string or bool) and nulls (`None`); numeric getters widen integers to floats.
Errors name the column and list the columns that exist."""

from .errors import InvalidData

F64, S64, STRING, BOOL = "f64", "s64", "string", "bool"
_TYPES = (F64, S64, STRING, BOOL)


class Column:
    """One named column: its type, its values (nulls as `None`)."""

    __slots__ = ("name", "type", "values")

    def __init__(self, name: str, type: str, values: list):
        if type not in _TYPES:
            raise ValueError(f"column `{name}`: unknown type {type!r}: one of {', '.join(_TYPES)}")
        self.name = name
        self.type = type
        self.values = values

    def __repr__(self):
        return f"Column({self.name!r}, {self.type}, {len(self.values)} rows)"


def _infer(name: str, values: list) -> str:
    """The one type of `values`: bool, s64, f64 (ints widen) or string."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present) and present:
        return BOOL
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present) and present:
        return S64
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return F64
    if all(isinstance(v, str) for v in present):
        return STRING
    kinds = sorted({type(v).__name__ for v in present})
    raise InvalidData(f"column `{name}` mixes {', '.join(kinds)}: a column holds one type")


class DataFrame:
    """A table in columnar form. Build one from a dict of lists:
    `DataFrame({"location": ["a", "b"], "rainfall": [1.5, None]})`."""

    def __init__(self, columns: dict | None = None, num_rows: int | None = None):
        self._columns: dict[str, Column] = {}
        self._num_rows = num_rows
        for name, values in (columns or {}).items():
            self._set(Column(name, _infer(name, values), list(values)))
        if self._num_rows is None:
            self._num_rows = 0

    # -- reading -----------------------------------------------------------------------

    @property
    def num_rows(self) -> int:
        return self._num_rows

    @property
    def column_names(self) -> list[str]:
        return list(self._columns)

    def has_column(self, name: str) -> bool:
        return name in self._columns

    def column(self, name: str) -> Column:
        """The column `name`, or `InvalidData` naming the columns there are."""
        try:
            return self._columns[name]
        except KeyError:
            there = ", ".join(f"`{c}`" for c in self._columns) or "none"
            raise InvalidData(f"missing column `{name}` (columns: {there})") from None

    def f64_column(self, name: str) -> list:
        """The column as floats (integers widened), `None` for nulls."""
        column = self.column(name)
        if column.type == F64:
            return list(column.values)
        if column.type == S64:
            return [None if v is None else float(v) for v in column.values]
        raise InvalidData(f"column `{name}` is {column.type}, not numeric")

    def f64_filled(self, name: str, fill: float) -> list:
        """The column as floats with nulls replaced by `fill`."""
        return [fill if v is None else v for v in self.f64_column(name)]

    def str_column(self, name: str) -> list:
        """The column as text, `None` for nulls."""
        column = self.column(name)
        if column.type != STRING:
            raise InvalidData(f"column `{name}` is {column.type}, not text")
        return list(column.values)

    def numeric_column_names(self) -> list[str]:
        return [c.name for c in self._columns.values() if c.type in (F64, S64)]

    def to_dict(self) -> dict:
        """`{name: values}`, as the constructor takes it."""
        return {c.name: list(c.values) for c in self._columns.values()}

    # -- writing -----------------------------------------------------------------------

    def set_f64(self, name: str, values: list) -> None:
        """Adds or replaces a float column (`None` for nulls); one value per row."""
        self._set(Column(name, F64, [None if v is None else float(v) for v in values]))

    def set_str(self, name: str, values: list) -> None:
        self._set(Column(name, STRING, list(values)))

    def remove_column(self, name: str) -> None:
        self._columns.pop(name, None)

    def _set(self, column: Column) -> None:
        rows = len(column.values)
        if self._columns or self._num_rows:
            if rows != self._num_rows:
                raise InvalidData(f"column `{column.name}` has {rows} values, the frame {self._num_rows} rows")
        else:
            self._num_rows = rows
        self._columns[column.name] = column

    def __repr__(self):
        return f"DataFrame({self._num_rows} rows: {', '.join(self._columns)})"
