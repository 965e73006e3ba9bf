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

import json
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
    "TrollwatchError",
    "InputError",
    "ParameterError",
    "ModelFileError",
    "FileError",
    "TrainingError",
    "__version__",
]
