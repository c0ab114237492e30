"""One contrast's design: which groups are compared, how the units relate, and the checks
every comparison (samples, cells, pseudobulk profiles) runs on its metadata first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import pandas as pd

from .._utils import InputError

__all__ = ["Design"]


@dataclass(frozen=True)
class Design:
    """The design of one contrast: ``target`` against ``reference`` (values of ``column``),
    with the ``covariates`` of a linear model, the ``pair_by`` column of paired samples
    (e.g. the donor before and after) or the ``random_effect`` of a mixed model (e.g. the
    donor of repeated visits). ``name`` is the contrast's name in messages and tables.

    The comparisons (:func:`cytoscore.tl.compare_groups`, :func:`cytoscore.tl.compare_cells`,
    :func:`cytoscore.tl.compare_profiles`) take one, and check it against their metadata
    with :meth:`check`."""

    target: str
    reference: str
    column: str = "group"
    covariates: Sequence[str] = field(default=())
    pair_by: str | None = None
    random_effect: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "covariates", tuple(self.covariates or ()))

    @classmethod
    def from_config(cls, contrast: Mapping, name: str = "") -> Design:
        """The design of a contrast entry of the config (its other keys are ignored)."""
        known = {f.name for f in fields(cls)} - {"name"}
        return cls(**{k: v for k, v in contrast.items() if k in known}, name=name)

    @property
    def groups(self) -> list[str]:
        return [self.target, self.reference]

    @property
    def metadata(self) -> list[str]:
        """The metadata columns the design reads: group, covariates, pairs, random effect."""
        return list(dict.fromkeys([self.column, *self.covariates, *(c for c in (self.pair_by, self.random_effect) if c)]))

    def error(self, message: str) -> InputError:
        return InputError(f"contrast {self.name!r}: {message}")

    def in_groups(self, frame: pd.DataFrame):
        """Rows of ``frame`` in the target or the reference group."""
        return frame[self.column].astype(str).isin(self.groups).to_numpy()

    def check(self, obs: pd.DataFrame, unit: str) -> None:
        """Every column the design names exists in ``obs`` (one row per ``unit``: sample or
        cell), both groups have units, covariates have no missing values, and a random
        effect has 3+ levels and no ``pair_by`` beside it."""
        self.require(obs, column=self.column, pair_by=self.pair_by)
        if self.target == self.reference:
            raise self.error(f"target and reference are both {self.target!r}")
        counts = obs[self.column].astype(str).value_counts()
        for role, level in (("target", self.target), ("reference", self.reference)):
            if not counts.get(level, 0):
                values = {str(k): int(v) for k, v in counts.items()}
                raise self.error(f"no {unit} is in the {role} group {level!r}; values of {self.column!r}: {values}")
        for cov in self.covariates:
            self.require(obs, covariate=cov)
            missing = obs.index[obs[cov].isna() | (obs[cov].astype(str).str.strip() == "")].tolist()
            if missing:
                raise self.error(f"covariate {cov!r} is missing for {missing[:10]}")
        if self.random_effect is None:
            return
        if self.pair_by is not None:
            raise self.error("pair_by and random_effect both given; a paired design is a random effect of the pair: keep one")
        self.require(obs, random_effect=self.random_effect)
        n = obs[self.random_effect].nunique()
        if n < 3:
            raise self.error(f"random_effect {self.random_effect!r} has {n} level(s); a random intercept needs at least 3")

    def require(self, obs: pd.DataFrame, **columns: str | None) -> None:
        """Each named column (role=column; ``None`` for none) exists in ``obs``."""
        for role, col in columns.items():
            if col is not None and col not in obs.columns:
                what = {"column": "column", "covariate": "covariate"}.get(role, f"{role} column")
                raise self.error(f"{what} {col!r} does not exist; columns are {list(obs.columns)}")

    def check_replicates(self, obs: pd.DataFrame, replicate: str) -> None:
        """Each replicate (sample) holds cells of one condition only."""
        mixed = obs.groupby(replicate, observed=True)[self.column].nunique()
        if (mixed > 1).any():
            raise self.error(
                f"replicates {mixed.index[mixed > 1].tolist()[:5]} contain cells of several {self.column!r} values; "
                "the replicate column must name one sample per condition"
            )
