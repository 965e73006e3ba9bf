"""trollwatch: flag bot- and troll-like social media posts.

The work is done by the trollwatch library (Rust), with the GIL released; this package
converts Python, NumPy, pandas, polars and Arrow values to it and back.

>>> import trollwatch as tw
>>> m = tw.Model.load("models/trollwatch-en.model")            # doctest: +SKIP
>>> m.score(["post one", "post two"])                          # doctest: +SKIP
array([0.12, 0.87])
>>> m.score_frame(df, text="text")                             # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import os
from typing import Any, Optional, Sequence

import numpy as np

from . import _trollwatch
from .errors import (
    FileError,
    InputError,
    ModelFileError,
    ParameterError,
    TrainingError,
    TrollwatchError,
)

__version__: str = _trollwatch.version()

_RESULT_COLUMNS = ("score", "label", "flagged", "probability", "known_terms", "explanation")


def _module_of(obj: Any) -> str:
    return type(obj).__module__.split(".", 1)[0]


def _texts(texts: Any) -> Any:
    """A value the native scorer reads: an Arrow array, a list or NumPy array of str."""
    kind = _module_of(texts)
    if kind == "pandas":
        import pyarrow as pa

        try:
            return pa.array(texts, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise TypeError(f"the texts must be strings (or missing): {e}") from None
    if kind == "polars":
        return texts.to_arrow()
    return texts


class Model:
    """A trained trollwatch model.

    Load one with :meth:`Model.load` (a file written by ``trollwatch train`` or
    :func:`train`). A model is immutable and safe to share between threads; it pickles as its
    file's bytes, so Dask, Ray and Spark workers can receive it.
    """

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        if not isinstance(native, _trollwatch.Model):
            raise TypeError("use Model.load(path) or Model.from_bytes(data)")
        self._native = native

    @classmethod
    def load(cls, path: Any) -> "Model":
        """Loads a model file."""
        return cls(_trollwatch.Model.load(str(path)))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Model":
        """A model from the bytes of a model file."""
        return cls(_trollwatch.Model.from_bytes(bytes(data)))

    def to_bytes(self) -> bytes:
        """The model file's bytes."""
        return self._native.to_bytes()

    def save(self, path: Any) -> None:
        """Writes the model file (atomically)."""
        self._native.save(str(path))

    def __reduce__(self) -> Any:
        return (Model.from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return repr(self._native)

    @property
    def classes(self) -> list[str]:
        """Class names in ``predict_proba`` column order (two classes: negative, troll)."""
        return self._native.classes

    @property
    def is_binary(self) -> bool:
        """Whether the model scores one troll class against the rest."""
        return self._native.is_binary

    @property
    def sha256(self) -> str:
        """SHA-256 of the model file."""
        return self._native.sha256

    @property
    def path(self) -> Optional[str]:
        p = self._native.path
        return None if p is None else str(p)

    @property
    def format_version(self) -> int:
        return self._native.format_version

    @property
    def text_column(self) -> str:
        """The text column of the training data (the default of :meth:`score_frame`)."""
        return self._native.text_column

    @property
    def label_column(self) -> str:
        return self._native.label_column

    @property
    def metadata(self) -> dict:
        """What the model file says about itself: training data, options, fit, calibration."""
        return json.loads(self._native.metadata_json())

    def threshold(self, prior: Optional[float] = None) -> float:
        """The probability a two-class model flags at, at its prior or at ``prior``."""
        return self._native.threshold(prior)

    def score(
        self, texts: Any, *, threshold: Optional[float] = None, prior: Optional[float] = None
    ) -> np.ndarray:
        """The troll probability of each text (NaN where a post has no known term)."""
        return self._native.score(_texts(texts), threshold, prior)

    def predict_proba(self, texts: Any, *, prior: Optional[float] = None) -> np.ndarray:
        """Each class's probability, one row per text, columns in :attr:`classes` order."""
        return self._native.predict_proba(_texts(texts), prior)

    def predict(
        self, texts: Any, *, threshold: Optional[float] = None, prior: Optional[float] = None
    ) -> np.ndarray:
        """The label of each text ('' where a post has no score)."""
        return np.array(self._native.predict(_texts(texts), threshold, prior), dtype=object)

    def score_arrow(
        self,
        texts: Any,
        *,
        threshold: Optional[float] = None,
        prior: Optional[float] = None,
        explain: int = 0,
    ) -> Any:
        """Scores into a ``pyarrow.RecordBatch`` with the fields of ``trollwatch score
        --format jsonl``: score, label, flagged, known_terms (and explanation)."""
        return self._native.score_arrow(_texts(texts), threshold, prior, explain)

    def score_frame(
        self,
        frame: Any,
        text: Optional[str] = None,
        *,
        threshold: Optional[float] = None,
        prior: Optional[float] = None,
        explain: int = 3,
        prefix: str = "",
    ) -> Any:
        """Scores the ``text`` column of a pandas or polars DataFrame or a pyarrow Table or
        RecordBatch, and returns the same type with the result columns added (``score``,
        ``label``, ``flagged``, ``known_terms``, ``explanation``; names start with
        ``prefix``). The input is not changed. ``text`` defaults to the model's training text
        column."""
        text = text or self.text_column
        kind = _module_of(frame)
        columns = _column_names(frame, kind)
        if text not in columns:
            raise InputError(
                f"no column {text!r} to score; the columns are {', '.join(map(repr, columns))}"
            )
        result = self.score_arrow(
            frame[text] if kind != "pyarrow" else frame.column(text),
            threshold=threshold,
            prior=prior,
            explain=explain,
        )
        names = [prefix + n for n in result.schema.names]
        clash = [n for n in names if n in columns]
        if clash:
            raise InputError(
                f"the frame already has column(s) {', '.join(map(repr, clash))}; pass "
                "prefix='tw_' (say) to name the result columns apart"
            )
        return _attach(frame, kind, result, names)


def _data(data: Any) -> Any:
    """Paths as a list of str, or a table the native side reads through the Arrow C stream
    interface (pandas is converted to Arrow first)."""
    if isinstance(data, (str, os.PathLike)):
        return [os.fspath(data)]
    if (
        isinstance(data, (list, tuple))
        and data
        and all(isinstance(d, (str, os.PathLike)) for d in data)
    ):
        return [os.fspath(d) for d in data]
    kind = _module_of(data)
    if kind == "pandas":
        import pyarrow as pa

        return pa.Table.from_pandas(data, preserve_index=False)
    if kind == "polars":
        return data.to_arrow()
    if hasattr(data, "__arrow_c_stream__"):
        return data
    raise TypeError(
        "data must be a path, a list of paths, a pandas or polars DataFrame, or an Arrow "
        f"table, not {type(data).__name__}"
    )


def _check_columns(table: Any, wanted: Sequence[str]) -> None:
    """A missing column of an in-memory table, named with the columns it has."""
    if isinstance(table, list) or not hasattr(table, "schema"):
        return
    have = list(table.schema.names)
    for col in wanted:
        if col not in have:
            raise InputError(
                f"the table has no column {col!r}; its columns are "
                f"{', '.join(map(repr, have))}"
            )


def _name(data: Any) -> str:
    """What messages call an in-memory table."""
    return f"<{type(data).__name__}>"


def _argv(options: dict) -> list:
    """Keyword arguments as the command's flags: ``max_features=50000`` is
    ``--max-features=50000``, ``True`` a bare flag, ``False`` and ``None`` left out, a list or
    tuple comma-separated (``ngrams=(1, 3)`` is ``--ngrams 1-3``)."""
    argv: list = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
            continue
        if isinstance(value, (list, tuple)):
            sep = "-" if key == "ngrams" else ","
            value = sep.join(str(v) for v in value)
        # `--flag=value`, so that a value starting with `-` is not read as a flag.
        argv.append(f"{flag}={value}")
    return argv


def train(
    data: Any,
    text: str = "text",
    label: str = "label",
    *,
    out: Any = None,
    progress: bool = False,
    **options: Any,
) -> Model:
    """Trains a model as ``trollwatch train`` does, on a file (or list of files) or on a
    pandas or polars DataFrame or Arrow table, and returns it (also written to ``out`` when
    given). Other keyword arguments are the command's options: ``c=0.5``,
    ``max_features=50000``, ``ngrams=(1, 3)``, ``positive="troll"``, ``target_fpr=0.05``,
    ``group_by="author"``, ``multiclass="softmax"`` ... with the command's defaults. Rows of a
    table are checked as a file's lines are: a message's "line N" is row N, from 1."""
    argv = ["--text-col", text, "--label-col", label] + _argv(options)
    table = _data(data)
    _check_columns(table, [text, label])
    native = _trollwatch.train(
        table, _name(data), argv, None if out is None else os.fspath(out), progress
    )
    return Model(native)


class EvalReport(dict):
    """The cross-validation report (``report.json`` of ``trollwatch evaluate --report``) as
    a dict, with the Markdown and HTML pages and the out-of-fold predictions."""

    def __init__(self, report_json: str, markdown: str, html: str, oof_csv: bytes) -> None:
        super().__init__(json.loads(report_json))
        self._markdown = markdown
        self._html = html
        self._oof_csv = oof_csv

    def to_html(self) -> str:
        """The self-contained HTML report page."""
        return self._html

    def to_markdown(self) -> str:
        return self._markdown

    def metrics(self) -> dict:
        """Mean and standard deviation of each metric over the folds."""
        return {m["metric"]: (m["mean"], m["sd"]) for m in self["summary"]}

    def oof(self) -> Any:
        """The out-of-fold predictions as a pyarrow Table (``--oof``'s columns)."""
        import pyarrow.csv as pacsv

        return pacsv.read_csv(
            io.BytesIO(self._oof_csv),
            convert_options=pacsv.ConvertOptions(
                column_types={"id": "string", "label": "string"}
            ),
        )

    def write(self, folder: Any) -> None:
        """Writes report.json, report.md and report.html into ``folder``."""
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "report.json"), "w", encoding="utf-8") as f:
            json.dump(dict(self), f, indent=2)
        for name, text in (("report.md", self._markdown), ("report.html", self._html)):
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                f.write(text)


def evaluate(
    data: Any,
    text: str = "text",
    label: str = "label",
    *,
    progress: bool = False,
    **options: Any,
) -> EvalReport:
    """Cross-validates as ``trollwatch evaluate`` does (``folds=5``, ``group_by="author"``,
    ``split="time"``, and the training options of :func:`train`), on files or a table, and
    returns the report."""
    argv = ["--text-col", text, "--label-col", label] + _argv(options)
    table = _data(data)
    _check_columns(table, [text, label])
    return EvalReport(*_trollwatch.evaluate(table, _name(data), argv, progress))


# Columns of the coordination files that name things (kept as text, never parsed as numbers).
_NAME_COLUMNS = {
    "edges.csv": ("account_a", "account_b"),
    "evidence.csv": ("account_a", "account_b", "object", "post_a", "post_b"),
    "accounts.csv": ("account",),
    "posts.csv": ("id", "account"),
    "clusters.csv": ("accounts", "dominant_objects"),
    "communities.csv": ("accounts", "main_objects"),
}


class Coordination:
    """What ``trollwatch coordination`` finds: its tables as pyarrow Tables (``edges``,
    ``evidence``, ``clusters``, ``communities``, ``accounts``, ``posts``; call
    ``.to_pandas()`` for pandas), the summary (``stats``, and ``summary`` as the command
    prints it), the GraphML graph and the HTML report."""

    def __init__(self, summary: str, files: list) -> None:
        self.summary = summary
        self._files = dict(files)

    def _table(self, name: str) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        types = {c: pa.string() for c in _NAME_COLUMNS.get(name, ())}
        return pacsv.read_csv(
            io.BytesIO(self._files[name]),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )

    @property
    def edges(self) -> Any:
        """Account pairs A→B by kind with their weights and time span."""
        return self._table("edges.csv")

    @property
    def evidence(self) -> Any:
        """The post pairs behind each edge (capped per edge: ``evidence_per_edge``)."""
        return self._table("evidence.csv")

    @property
    def clusters(self) -> Any:
        return self._table("clusters.csv")

    @property
    def communities(self) -> Any:
        return self._table("communities.csv")

    @property
    def accounts(self) -> Any:
        return self._table("accounts.csv")

    @property
    def posts(self) -> Any:
        return self._table("posts.csv")

    @property
    def stats(self) -> dict:
        """summary.json: counts by kind, settings, what was left out."""
        return json.loads(self._files["summary.json"])

    @property
    def graphml(self) -> str:
        return self._files["graph.graphml"].decode("utf-8")

    def to_html(self) -> str:
        """The self-contained report page (``--report``)."""
        return self._files["report.html"].decode("utf-8")

    def write(self, folder: Any) -> None:
        """Writes every file of ``--out`` and ``report.html`` into ``folder``."""
        os.makedirs(folder, exist_ok=True)
        for name, data in self._files.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)

    def __repr__(self) -> str:
        return self.summary


def coordination(
    data: Any,
    author: str = "author",
    time: str = "timestamp",
    window: Any = "60s",
    *,
    text: str = "text",
    progress: bool = False,
    **options: Any,
) -> Coordination:
    """Finds accounts that post the same objects within ``window`` of each other, as
    ``trollwatch coordination`` does, on a file or a pandas or polars DataFrame or Arrow
    table. ``window``: ``"60s"``, ``"1h"``, seconds, or a ``datetime.timedelta``. Other
    keyword arguments are the command's options (``kinds="text,link"``, ``min_weight=2``,
    ``repost_col="post_type"``, ``repost_value="retweet"``, ``url_col="urls"`` ...)."""
    import datetime

    if isinstance(window, datetime.timedelta):
        window = int(window.total_seconds())
    argv = ["--text-col", text, "--author-col", author, "--time-col", time,
            f"--window={window}"] + _argv(options)
    table = _data(data)
    if isinstance(table, list) and len(table) != 1:
        raise ParameterError("coordination reads one file")
    _check_columns(table, [text, author, time])
    return Coordination(*_trollwatch.coordination(table, _name(data), argv, progress))


def _column_names(frame: Any, kind: str) -> list[str]:
    if kind == "pyarrow":
        return list(frame.schema.names)
    if kind in ("pandas", "polars"):
        return [str(c) for c in frame.columns]
    raise TypeError(
        f"score_frame takes a pandas or polars DataFrame or a pyarrow Table or RecordBatch, "
        f"not {type(frame).__name__}; for a list of texts use score() or score_arrow()"
    )


def _attach(frame: Any, kind: str, result: Any, names: Sequence[str]) -> Any:
    """``frame`` with the columns of the record batch ``result`` added, as ``names``."""
    if kind == "pandas":
        out = frame.copy(deep=False)
        for name, column in zip(names, result.columns):
            out[name] = column.to_numpy(zero_copy_only=False)
        return out
    if kind == "polars":
        import polars as pl

        added = pl.from_arrow(result.rename_columns(list(names)))
        return frame.hstack(added)
    import pyarrow as pa

    if isinstance(frame, pa.RecordBatch):
        return pa.RecordBatch.from_arrays(
            list(frame.columns) + list(result.columns),
            names=list(frame.schema.names) + list(names),
        )
    out = frame
    for name, column in zip(names, result.columns):
        out = out.append_column(name, column)
    return out


__all__ = [
    "Model",
    "EvalReport",
    "Coordination",
    "coordination",
    "train",
    "evaluate",
    "TrollwatchError",
    "InputError",
    "ParameterError",
    "ModelFileError",
    "FileError",
    "TrainingError",
    "__version__",
]
