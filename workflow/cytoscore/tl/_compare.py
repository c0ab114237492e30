"""Comparing signature scores between groups: effect sizes, tests, covariates, pairs, FDR.

Bulk data: one row per signature × method. Single-cell data: per-cell scores are
summarised per replicate (donor or sample) × cell type and tested across replicates;
a per-cell test exists only as an explicitly named option and carries a warning.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .._significance import MIN_MARKED_N
from .._utils import InputError, flag, join_observations, score_parts
from ._design import Design

__all__ = [
    "add_coverage",
    "hedges_g",
    "bh_fdr",
    "compare_groups",
    "compare_cells",
    "paired_g",
    "mean_difference_ci",
    "omnibus_tests",
    "CELL_COLUMNS",
    "COMPARISON_COLUMNS",
    "PSEUDOREPLICATION_WARNING",
    "DEGENERATE_TOL",
]

log = logging.getLogger(__name__)

#: Columns of every comparison table (single-cell tables add cell_type, n_cells_*, level).
COMPARISON_COLUMNS = [
    "contrast", "signature", "method", "target", "reference",
    "n_target", "n_reference", "mean_target", "mean_reference", "mean_difference",
    "mean_difference_ci_low", "mean_difference_ci_high",
    "hedges_g", "hedges_g_ci_low", "hedges_g_ci_high",
    "welch_t", "welch_p", "mannwhitney_u", "mannwhitney_p",
    "lm_estimate", "lm_ci_low", "lm_ci_high", "lm_p", "covariates",
    "random_effect", "mixed_estimate", "mixed_ci_low", "mixed_ci_high", "mixed_df", "mixed_p",
    "mixed_re_variance", "mixed_residual_variance", "mixed_warning",
    "n_pairs", "paired_mean_difference", "paired_g", "paired_g_ci_low", "paired_g_ci_high",
    "paired_t", "paired_p", "wilcoxon_w", "wilcoxon_p",
    "test", "p_value", "fdr", "fdr_welch", "fdr_mannwhitney", "fdr_family", "small_n", "not_testable",
    "markable", "warning",
]  # fmt: skip

#: Variation below this share of the scores' own scale is rounding, not biology: a test on it
#: is "not testable" (its t would be inf, or a huge value from catastrophic cancellation).
DEGENERATE_TOL = 1e-6

PSEUDOREPLICATION_WARNING = (
    "per-cell test: cells of one donor are not independent replicates (pseudoreplication); "
    "p-values are anti-conservative (Squair et al. 2021, Nat Commun 12:5692)"
)


def hedges_correction(df: float) -> float:
    """Hedges' exact small-sample correction J(df) = Γ(df/2) / (sqrt(df/2) Γ((df − 1)/2))
    (Hedges 1981), as metafor's ``escalc`` and R effectsize use it; the common approximation
    1 − 3 / (4 df − 1) is 0.3% off at df = 4."""
    from scipy.special import gammaln

    return float(np.exp(gammaln(df / 2) - 0.5 * np.log(df / 2) - gammaln((df - 1) / 2)))


def hedges_g(x: np.ndarray, y: np.ndarray, *, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Hedges' g of ``x`` over ``y`` with its standard error and confidence interval.

    g = J(n_x + n_y − 2) · (mean_x − mean_y) / s_pooled, with s_pooled the pooled SD
    (ddof=1) and J the exact correction (:func:`hedges_correction`). The standard error is
    sqrt(1/n_x + 1/n_y + g² / (2 (n_x + n_y))) and the interval g ± z · SE: metafor's
    ``escalc("SMD")`` (large-sample variance) and R effectsize's point estimate, to 1e-12
    (tests/reference/stats). Hedges & Olkin 1985; Borenstein et al. 2009, ch. 4.

    Parameters
    ----------
    x
        The target group's values (2+; fewer raise :class:`InputError`); 2-d: one column per
        comparison, each as its 1-d column would give.
    y
        The reference group's values (2+).
    confidence
        The interval's level (0.95: a 95% interval).

    Returns
    -------
    tuple
        ``(g, se, ci_low, ci_high)`` (arrays for 2-d input); NaN where the pooled SD is 0.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        raise InputError(f"Hedges' g needs at least 2 values per group (got {nx} and {ny})")
    # columns of 2-d x and y at once (the compare step's signatures), each as a 1-d pair would be
    pooled = np.sqrt(((nx - 1) * x.var(axis=0, ddof=1) + (ny - 1) * y.var(axis=0, ddof=1)) / (nx + ny - 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(pooled == 0, np.nan, hedges_correction(nx + ny - 2) * (x.mean(axis=0) - y.mean(axis=0)) / pooled)
    se = np.sqrt((nx + ny) / (nx * ny) + g**2 / (2 * (nx + ny)))
    z = stats.norm.ppf(0.5 + confidence / 2)
    out = (g, se, g - z * se, g + z * se)
    return tuple(map(float, out)) if x.ndim == 1 else out


def paired_g(d: np.ndarray, *, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Standardized mean of paired differences ``d`` (target − reference per pair): Cohen's
    d_z = mean(d) / SD(d) with Hedges' correction J(n − 1), SE = sqrt(1/n + g² / (2n)) and
    the normal interval: metafor's ``escalc("SMCC")`` (change-score standardization) and R
    effectsize's paired g, to 1e-12 (tests/reference/stats; Lakens 2013, Front Psychol
    4:863). Returns ``(g_z, se, ci_low, ci_high)``; NaN when the differences do not vary
    or there are fewer than 3 pairs (J needs 2 df).

    Parameters
    ----------
    d
        The per-pair differences (target − reference).
    confidence
        The interval's level (0.95: a 95% interval).

    Returns
    -------
    tuple
        ``(g_z, se, ci_low, ci_high)``; NaN with fewer than 3 pairs or constant differences.
    """
    d = np.asarray(d, dtype=np.float64)
    n = len(d)
    if n < 3 or d.std(ddof=1) == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    g = hedges_correction(n - 1) * d.mean() / d.std(ddof=1)
    se = np.sqrt(1 / n + g**2 / (2 * n))
    z = stats.norm.ppf(0.5 + confidence / 2)
    return (float(g), float(se), float(g - z * se), float(g + z * se))


def mean_difference_ci(x: np.ndarray, y: np.ndarray, *, confidence: float = 0.95) -> tuple[float, float]:
    """Welch confidence interval of mean(x) − mean(y) (Welch–Satterthwaite df); NaN when
    both groups are constant.

    Parameters
    ----------
    x
        The target group's values (2+); 2-d: one column per comparison.
    y
        The reference group's values (2+).
    confidence
        The interval's level (0.95: a 95% interval).

    Returns
    -------
    tuple
        ``(low, high)`` (arrays for 2-d input); NaN when both groups are constant.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    vx, vy = x.var(axis=0, ddof=1) / len(x), y.var(axis=0, ddof=1) / len(y)
    se = np.sqrt(vx + vy)
    with np.errstate(divide="ignore", invalid="ignore"):  # columns of 2-d x and y at once, too
        df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
        half = np.where(se == 0, np.nan, stats.t.ppf(0.5 + confidence / 2, df) * se)
    diff = x.mean(axis=0) - y.mean(axis=0)
    out = (diff - half, diff + half)
    return tuple(map(float, out)) if x.ndim == 1 else out


def bh_fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values; NaN p-values stay NaN and are not counted.

    Parameters
    ----------
    p
        p-values, a 1-d array (NaN allowed).

    Returns
    -------
    ndarray
        The adjusted values, in the same order.
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out


# --- the statistics of one comparison ----------------------------------------------------


def _scale(values: np.ndarray) -> float:
    """The magnitude against which a spread counts as none (:data:`DEGENERATE_TOL`)."""
    values = np.asarray(values, dtype=np.float64)
    return DEGENERATE_TOL * max(float(np.abs(values).max()) if len(values) else 0.0, 1e-12)


def _flat_groups(x: np.ndarray, y: np.ndarray) -> bool:
    """True when neither group varies beyond rounding: a t-test's variance would be 0."""
    pooled = np.sqrt(((len(x) - 1) * x.var(ddof=1) + (len(y) - 1) * y.var(ddof=1)) / (len(x) + len(y) - 2))
    return bool(pooled <= _scale(np.concatenate([x, y])))


def _two_group(x: np.ndarray, y: np.ndarray) -> dict:
    if _flat_groups(x, y):
        g = lo = hi = dlo = dhi = np.nan
    else:
        g, _, lo, hi = hedges_g(x, y)
        dlo, dhi = mean_difference_ci(x, y)
    out = {
        "n_target": len(x), "n_reference": len(y),
        "mean_target": x.mean(), "mean_reference": y.mean(), "mean_difference": x.mean() - y.mean(),
        "mean_difference_ci_low": dlo, "mean_difference_ci_high": dhi,
        "hedges_g": g, "hedges_g_ci_low": lo, "hedges_g_ci_high": hi,
        "welch_t": np.nan, "welch_p": np.nan, "mannwhitney_u": np.nan, "mannwhitney_p": np.nan,
    }  # fmt: skip
    if np.ptp(np.concatenate([x, y])) > 0:
        u, pu = stats.mannwhitneyu(x, y, alternative="two-sided")  # ranks: valid with ties too
        out.update(mannwhitney_u=float(u), mannwhitney_p=float(pu))
        if not _flat_groups(x, y):
            t, p = stats.ttest_ind(x, y, equal_var=False)
            out.update(welch_t=float(t), welch_p=float(p))
    return out


def _design(frame: pd.DataFrame, column: str, reference: str, covariates: Sequence[str]) -> tuple[pd.DataFrame, str, str]:
    """The data and formula ``score ~ group + covariates`` (numeric covariates as numbers,
    the others as categories) and the name of the target-vs-reference coefficient's prefix."""
    data = pd.DataFrame({"score": frame["score"].to_numpy(), "grp": frame[column].astype(str).to_numpy()})
    terms = []
    for i, cov in enumerate(covariates):
        name = f"cov{i}"
        values = pd.to_numeric(frame[cov], errors="coerce")
        if values.notna().all():
            data[name] = values.to_numpy()
            terms.append(name)
        else:
            data[name] = frame[cov].astype(str).to_numpy()
            terms.append(f"C({name})")
    formula = f"score ~ C(grp, Treatment(reference={reference!r}))" + "".join(f" + {t}" for t in terms)
    return data, formula, "C(grp"


_DESIGNS: dict[tuple, pd.DataFrame] = {}  # design matrices of one process's units, by formula and values


def _design_matrix(data: pd.DataFrame, formula: str) -> pd.DataFrame:
    """The model matrix of ``formula``'s right-hand side on ``data`` (patsy, as statsmodels'
    formulas build it), built once per distinct design: every signature of a contrast has
    the same units, and patsy took 5 ms of the 6 ms of a fit (a 30-sample study of 345
    signature × method fits: 2.2 -> 0.5 s profiled)."""
    import patsy

    predictors = data.drop(columns="score")
    key = (formula, tuple(predictors.columns), tuple(predictors.dtypes.astype(str)),
           tuple(predictors.itertuples(index=False, name=None)))  # fmt: skip
    if key not in _DESIGNS:
        if len(_DESIGNS) > 64:
            _DESIGNS.clear()
        _DESIGNS[key] = patsy.dmatrix(formula.split("~", 1)[1], predictors, return_type="dataframe")
    return _DESIGNS[key]


def _linear_model(frame: pd.DataFrame, column: str, reference: str, covariates: Sequence[str]) -> dict:
    """OLS score ~ group + covariates (statsmodels); the target-vs-reference coefficient.
    Units with a missing score or covariate are left out, as statsmodels' formulas do."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    data, formula, prefix = _design(frame, column, reference, covariates)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if data.isna().to_numpy().any():
            fit = smf.ols(formula, data=data).fit()
        else:
            X = _design_matrix(data, formula)  # its index: the rows patsy kept, as the formula would
            fit = sm.OLS(data["score"].loc[X.index], X).fit()
    key = next(k for k in fit.params.index if k.startswith(prefix))
    lo, hi = fit.conf_int().loc[key]
    return {
        "lm_estimate": float(fit.params[key]),
        "lm_ci_low": float(lo),
        "lm_ci_high": float(hi),
        "lm_p": float(fit.pvalues[key]),
    }


def _mixed_model(
    frame: pd.DataFrame, column: str, reference: str, covariates: Sequence[str], random_effect: str
) -> dict:
    """Linear mixed model score ~ group + covariates + (1 | random_effect), fitted by REML
    (statsmodels MixedLM, as R nlme::lme and lme4::lmer fit it); the target-vs-reference
    coefficient with its t-test and 95% CI on nlme's denominator degrees of freedom
    (:func:`_containment_df`), and the variance of the random intercept. A fit that did not
    converge, or whose random-effect variance sits at 0, says so in ``mixed_warning``.

    The t on containment df, not statsmodels' Wald z: with groups compared across 10 donors
    (a between-donor effect: 8 df), z rejected 8.7% of 300 true nulls at 5% in the simulation
    of tests/unit/test_mixed.py, t(8) 3.7% (5.7% with another seed); nlme reports this t."""
    import statsmodels.formula.api as smf

    data, formula, prefix = _design(frame, column, reference, covariates)
    data["unit"] = frame[random_effect].astype(str).to_numpy()
    note = []
    model = smf.mixedlm(formula, data=data, groups=data["unit"])
    fit = None
    # the gradient fit meets a singular Hessian when the random-effect variance is at its
    # boundary (0); Powell's method, derivative-free, then finds the same optimum (= OLS)
    for optimizer in ("lbfgs", "powell", "nm"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = model.fit(reml=True, method=[optimizer])
            except (np.linalg.LinAlgError, ValueError) as error:
                note.append(f"{optimizer} failed ({error})")
                continue
        if optimizer != "lbfgs":
            note = [f"fitted with {optimizer}"]
        break
    if fit is None:
        return {
            "mixed_estimate": np.nan, "mixed_ci_low": np.nan, "mixed_ci_high": np.nan, "mixed_df": np.nan, "mixed_p": np.nan,
            "mixed_re_variance": np.nan, "mixed_residual_variance": np.nan,
            "mixed_warning": "no fit: " + "; ".join(note),
        }  # fmt: skip
    key = next(k for k in fit.params.index if k.startswith(prefix))
    variance, residual = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
    # the fixed effects' covariance (X' V^-1 X)^-1 at the REML variances, as nlme and lme4
    # report it (statsmodels' inverse Hessian also carries the variance parameters' curvature:
    # 0.2% off nlme's SE on tests/reference/mixed), V = residual I + variance 11' per group
    X = np.asarray(model.exog, dtype=float)
    units = data["unit"].to_numpy()
    information = np.zeros((X.shape[1], X.shape[1]))
    for unit in pd.unique(units):
        Xg = X[units == unit]
        total = Xg.sum(axis=0)
        shrink = variance / (residual + len(Xg) * variance)
        information += (Xg.T @ Xg - shrink * np.outer(total, total)) / residual
    column = list(model.exog_names).index(key)
    se = float(np.sqrt(np.linalg.inv(information)[column, column]))
    estimate = float(fit.fe_params[key])
    df = _containment_df(X, units, list(model.exog_names), key)
    if df > 0:
        q = stats.t.ppf(0.975, df)
        lo, hi = estimate - q * se, estimate + q * se
        p_value = float(2 * stats.t.sf(abs(estimate) / se, df)) if se > 0 else np.nan
    else:
        lo = hi = p_value = np.nan
        note.append(f"no degrees of freedom left for the group effect (too few levels of {random_effect})")
    if not fit.converged:
        note.append("did not converge")
    if variance <= 1e-8 * max(residual, 1e-300):
        note.append(f"the {random_effect} variance is at 0 (no between-{random_effect} variation; the fit equals OLS)")
    note += sorted({str(w.message).split("\n")[0] for w in caught if "converge" in str(w.message).lower()})
    return {
        "mixed_estimate": estimate,
        "mixed_ci_low": lo,
        "mixed_ci_high": hi,
        "mixed_df": float(df),
        "mixed_p": p_value,
        "mixed_re_variance": variance,
        "mixed_residual_variance": residual,
        "mixed_warning": "; ".join(dict.fromkeys(note)),
    }


def _containment_df(X: np.ndarray, units: np.ndarray, names: Sequence[str], term: str) -> int:
    """Denominator degrees of freedom of fixed effect ``term`` by nlme's containment rule
    (Pinheiro & Bates 2000, sec. 2.4.2; nlme's getFixDF) for one grouping factor: a term
    constant within every level of ``units`` is estimated between levels, with M − 1 − (the
    number of such terms) df, M levels; a term varying within levels has N − M − (the number
    of such terms) df, as the intercept. E.g. groups made of whole donors: donors − 2."""
    n, levels = len(units), pd.unique(units)
    codes = pd.Index(levels).get_indexer(units)
    between = []
    for j, name in enumerate(names):
        if name == "Intercept":
            continue
        col = X[:, j]
        low = np.full(len(levels), np.inf)
        high = np.full(len(levels), -np.inf)
        np.minimum.at(low, codes, col)
        np.maximum.at(high, codes, col)
        between.append((name, bool(np.all(high - low <= 1e-12 * max(1.0, np.abs(col).max())))))
    n_between = sum(b for _, b in between)
    n_within = len(between) - n_between
    if dict(between).get(term, False):
        return len(levels) - 1 - n_between
    return n - len(levels) - n_within


def _paired(frame: pd.DataFrame, column: str, target: str, reference: str, pair_by: str) -> dict:
    wide = frame.pivot_table(index=pair_by, columns=column, values="score", aggfunc="mean", observed=True)
    wide = wide.dropna(subset=[c for c in (target, reference) if c in wide.columns])
    out = {
        "n_pairs": 0, "paired_mean_difference": np.nan, "paired_g": np.nan, "paired_g_ci_low": np.nan,
        "paired_g_ci_high": np.nan, "paired_t": np.nan, "paired_p": np.nan, "wilcoxon_w": np.nan,
        "wilcoxon_p": np.nan,
    }  # fmt: skip
    if target not in wide.columns or reference not in wide.columns or len(wide) < 2:
        out["n_pairs"] = len(wide) if target in wide.columns and reference in wide.columns else 0
        return out
    d = wide[target].to_numpy() - wide[reference].to_numpy()
    out["n_pairs"] = len(d)
    out["paired_mean_difference"] = float(d.mean())
    flat = bool(d.std(ddof=1) <= _scale(wide[[target, reference]].to_numpy().ravel()))
    if not flat:
        gz, _, glo, ghi = paired_g(d)
        out.update(paired_g=gz, paired_g_ci_low=glo, paired_g_ci_high=ghi)
    if np.ptp(d) > 0 or d[0] != 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w, pw = stats.wilcoxon(wide[target], wide[reference])  # signed ranks: valid when d is constant
            out.update(wilcoxon_w=float(w), wilcoxon_p=float(pw))
            if not flat:
                t, p = stats.ttest_rel(wide[target], wide[reference])
                out.update(paired_t=float(t), paired_p=float(p))
    return out


def _counts(counts: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in counts.items()}


def _compare_frame(frame: pd.DataFrame, design: Design) -> dict:
    """All statistics of one signature × method on a table of units (samples or replicates).
    A primary test that cannot be computed leaves ``p_value`` empty and says why in
    ``not_testable`` (too few units, or scores that do not vary beyond rounding)."""
    column, target, reference = design.column, design.target, design.reference
    covariates, pair_by, random_effect = design.covariates, design.pair_by, design.random_effect
    sub = frame[design.in_groups(frame)]
    x = sub.loc[sub[column].astype(str) == target, "score"].to_numpy(dtype=float)
    y = sub.loc[sub[column].astype(str) == reference, "score"].to_numpy(dtype=float)
    if len(x) < 2 or len(y) < 2:
        row = {k: np.nan for k in COMPARISON_COLUMNS}
        row.update(
            n_target=len(x),
            n_reference=len(y),
            mean_target=np.mean(x) if len(x) else np.nan,
            mean_reference=np.mean(y) if len(y) else np.nan,
        )
        row["mean_difference"] = row["mean_target"] - row["mean_reference"]
        row.update(n_pairs=0, test="none", p_value=np.nan)
        reason = f"fewer than 2 units in a group ({len(x)} {target}, {len(y)} {reference})"
        if pair_by:
            row.update(_paired(sub, column, target, reference, pair_by))
            row.update(test="paired t", p_value=row["paired_p"])
            reason = _paired_reason(row, sub, target, reference)
        row["not_testable"] = reason if np.isnan(row["p_value"]) else ""
        return row
    flat = _flat_groups(x, y)
    row = _two_group(x, y)
    row.update(lm_estimate=np.nan, lm_ci_low=np.nan, lm_ci_high=np.nan, lm_p=np.nan)
    if not flat:
        row.update(_linear_model(sub, column, reference, covariates))
    row.update(random_effect=random_effect or "", mixed_estimate=np.nan, mixed_ci_low=np.nan, mixed_ci_high=np.nan,
               mixed_df=np.nan, mixed_p=np.nan, mixed_re_variance=np.nan, mixed_residual_variance=np.nan, mixed_warning="")  # fmt: skip
    if random_effect and not flat:
        row.update(_mixed_model(sub, column, reference, covariates, random_effect))
    row.update(
        n_pairs=0, paired_mean_difference=np.nan, paired_g=np.nan, paired_g_ci_low=np.nan,
        paired_g_ci_high=np.nan, paired_t=np.nan, paired_p=np.nan, wilcoxon_w=np.nan, wilcoxon_p=np.nan,
    )  # fmt: skip
    flat_reason = _flat_reason(bool(np.ptp(sub["score"]) == 0))
    if pair_by:
        row.update(_paired(sub, column, target, reference, pair_by))
        row.update(test="paired t", p_value=row["paired_p"])
        reason = _paired_reason(row, sub, target, reference)
    elif random_effect:
        row.update(test="mixed model", p_value=row["mixed_p"])
        reason = flat_reason if flat else f"mixed model: {row['mixed_warning'] or 'no p-value'}"
    elif covariates:
        row.update(test="linear model", p_value=row["lm_p"])
        reason = flat_reason if flat else "linear model: no p-value (no residual degrees of freedom)"
    else:
        row.update(test="welch", p_value=row["welch_p"])
        reason = flat_reason
    row["not_testable"] = reason if np.isnan(row["p_value"]) else ""
    return row


def _flat_reason(constant: bool) -> str:
    """Why scores that do not vary beyond rounding (:func:`_flat_groups`) have no test."""
    if constant:
        return "the scores are the same in every unit"
    return (
        f"the scores do not vary within groups (pooled SD below {DEGENERATE_TOL:g} of their scale): "
        "a t-test would divide by 0"
    )


def _paired_reason(row: dict, sub: pd.DataFrame, target: str, reference: str) -> str:
    if row["n_pairs"] < 2:
        return f"fewer than 2 pairs with both {target} and {reference}"
    if np.isfinite(row["paired_mean_difference"]) and row["paired_mean_difference"] != 0:
        return (
            f"the paired differences are the same in every pair (SD below {DEGENERATE_TOL:g} of the scores' "
            "scale): a paired t-test would divide by 0"
        )
    return "the paired differences are all 0"


def _block_rows(frames: Sequence[pd.DataFrame], design: Design) -> dict[int, dict]:
    """:func:`_compare_frame`'s rows for the frames that share their units, computed for all of
    them at once: a contrast's signatures × methods are usually scored on the same samples, and
    one test call per signature made the compare job (289 fits of a 30-sample study: 1.3 of its
    3.0 s, py-spy). Same statistics, to rounding (``tests/unit/test_compare.py``): Hedges' g,
    the Welch interval and test, Mann–Whitney U (exact or asymptotic as scipy chooses per
    signature), and the linear model as statsmodels' OLS fits it (its pseudo-inverse, rank and
    t-based interval), one pseudo-inverse for every signature.

    Returns ``{index in frames: row}`` for the frames done here: those without missing scores,
    2+ units per group and residual degrees of freedom, in a design with no pairs and no
    random effect. The others go through :func:`_compare_frame`."""
    if design.pair_by or design.random_effect:
        return {}
    column, covariates = design.column, list(design.covariates)
    blocks: dict[tuple, list[tuple[int, pd.DataFrame]]] = {}
    for i, frame in enumerate(frames):
        sub = frame[design.in_groups(frame)]
        if not np.isfinite(sub["score"].to_numpy(dtype=float)).all():
            continue
        key = tuple(map(tuple, sub[[column, *covariates]].astype(str).to_numpy().tolist()))
        blocks.setdefault(key, []).append((i, sub))
    out: dict[int, dict] = {}
    for members in blocks.values():
        out.update(_block_statistics(members, design))
    return out


def _block_statistics(members: list[tuple[int, pd.DataFrame]], design: Design) -> dict[int, dict]:
    """The rows of :func:`_block_rows` for frames with the same units in the same order."""
    from statsmodels.tools.tools import pinv_extended

    first = members[0][1]
    labels = first[design.column].astype(str).to_numpy()
    is_x, is_y = labels == design.target, labels == design.reference
    nx, ny = int(is_x.sum()), int(is_y.sum())
    scores = np.column_stack([sub["score"].to_numpy(dtype=float) for _, sub in members])
    data, formula, prefix = _design(first, design.column, design.reference, design.covariates)
    X = _design_matrix(data, formula)
    if nx < 2 or ny < 2 or len(X) != len(first):
        return {}
    pinv, singular = pinv_extended(X.to_numpy(dtype=float))
    df_resid = len(X) - np.linalg.matrix_rank(np.diag(singular))
    if df_resid <= 0:
        return {}
    x, y = scores[is_x], scores[is_y]
    mx, my = x.mean(axis=0), y.mean(axis=0)
    vx, vy = x.var(axis=0, ddof=1), y.var(axis=0, ddof=1)
    spread = np.ptp(scores, axis=0)
    scale = DEGENERATE_TOL * np.maximum(np.abs(scores).max(axis=0), 1e-12)
    pooled = np.sqrt(((nx - 1) * vx + (ny - 1) * vy) / (nx + ny - 2))
    flat = pooled <= scale
    ok = ~flat
    nan = np.full(scores.shape[1], np.nan)
    g, g_lo, g_hi, d_lo, d_hi = nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy()
    if ok.any():
        g[ok], _, g_lo[ok], g_hi[ok] = hedges_g(x[:, ok], y[:, ok])
        d_lo[ok], d_hi[ok] = mean_difference_ci(x[:, ok], y[:, ok])
    welch_t, welch_p, mw_u, mw_p = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    varies = spread > 0
    if ok.any():
        t, p = stats.ttest_ind(x[:, ok], y[:, ok], equal_var=False, axis=0)
        welch_t[ok], welch_p[ok] = t, p
    # scipy picks the exact or the asymptotic U test by ties over the whole array: per-signature
    # choices need the tied and the untied signatures in separate calls
    ordered = np.sort(scores, axis=0)
    tied = (np.diff(ordered, axis=0) == 0).any(axis=0)
    for part in (varies & tied, varies & ~tied):
        if part.any():
            u, p = stats.mannwhitneyu(x[:, part], y[:, part], alternative="two-sided", axis=0)
            mw_u[part], mw_p[part] = u, p
    # the linear model score ~ group + covariates: statsmodels' OLS arithmetic, every signature at once
    coef = next(j for j, name in enumerate(X.columns) if name.startswith(prefix))
    beta = pinv @ scores
    resid = scores - X.to_numpy(dtype=float) @ beta
    lm_se = np.sqrt((pinv @ pinv.T)[coef, coef] * (resid**2).sum(axis=0) / df_resid)
    with np.errstate(divide="ignore", invalid="ignore"):  # constant scores: 0 / 0, left out below
        lm_p = stats.t.sf(np.abs(beta[coef] / lm_se), df_resid) * 2
    q = stats.t.ppf(0.975, df_resid)
    lm = {name: np.where(ok, values, np.nan) for name, values in (
        ("lm_estimate", beta[coef]), ("lm_ci_low", beta[coef] - q * lm_se), ("lm_ci_high", beta[coef] + q * lm_se),
        ("lm_p", lm_p))}  # fmt: skip
    test = "linear model" if design.covariates else "welch"
    p_value = lm["lm_p"] if design.covariates else welch_p
    rows = {}
    for j, (i, _) in enumerate(members):
        if flat[j]:
            reason = _flat_reason(bool(spread[j] == 0))
        else:
            reason = "linear model: no p-value (no residual degrees of freedom)" if design.covariates else ""
        rows[i] = {
            "n_target": nx, "n_reference": ny, "mean_target": mx[j], "mean_reference": my[j],
            "mean_difference": mx[j] - my[j], "mean_difference_ci_low": d_lo[j], "mean_difference_ci_high": d_hi[j],
            "hedges_g": g[j], "hedges_g_ci_low": g_lo[j], "hedges_g_ci_high": g_hi[j],
            "welch_t": welch_t[j], "welch_p": welch_p[j], "mannwhitney_u": mw_u[j], "mannwhitney_p": mw_p[j],
            **{k: v[j] for k, v in lm.items()},
            "random_effect": "", "mixed_estimate": np.nan, "mixed_ci_low": np.nan, "mixed_ci_high": np.nan,
            "mixed_df": np.nan, "mixed_p": np.nan, "mixed_re_variance": np.nan, "mixed_residual_variance": np.nan,
            "mixed_warning": "", "n_pairs": 0, "paired_mean_difference": np.nan, "paired_g": np.nan,
            "paired_g_ci_low": np.nan, "paired_g_ci_high": np.nan, "paired_t": np.nan, "paired_p": np.nan,
            "wilcoxon_w": np.nan, "wilcoxon_p": np.nan, "test": test, "p_value": p_value[j],
            "not_testable": reason if np.isnan(p_value[j]) else "",
        }  # fmt: skip
    return rows


def _rows_per_signature(units: pd.DataFrame, design: Design, extra: dict) -> list[dict]:
    """:func:`_compare_frame` for every signature × method of a table of units (those that
    share their units at once, :func:`_block_rows`)."""
    groups = list(units.groupby(["method", "signature"], sort=False))
    done = _block_rows([frame for _, frame in groups], design)
    rows = []
    for i, ((method, signature), frame) in enumerate(groups):
        row = done[i] if i in done else _compare_frame(frame, design)
        row.update(
            signature=signature,
            method=method,
            target=design.target,
            reference=design.reference,
            covariates=",".join(design.covariates),
            contrast=design.name,
            **extra,
        )
        rows.append(row)
    return rows


def _finish(rows: list[dict], family: Sequence[str], family_text: str) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    for src, dst in (("p_value", "fdr"), ("welch_p", "fdr_welch"), ("mannwhitney_p", "fdr_mannwhitney")):
        table[dst] = table.groupby(list(family), sort=False)[src].transform(lambda p: bh_fdr(p.to_numpy()))
    table["fdr_family"] = family_text
    n_units = table[["n_target", "n_reference"]].min(axis=1)
    n_units = np.where(table["n_pairs"] > 0, table["n_pairs"], n_units)
    table["small_n"] = n_units < MIN_MARKED_N
    table["not_testable"] = table["not_testable"].fillna("").astype(str)
    table["markable"] = table["p_value"].notna().to_numpy() & ~table["small_n"].to_numpy()
    return table



def compare_groups(scores: pd.DataFrame, obs: pd.DataFrame | pd.Series, design: Design) -> pd.DataFrame:
    """Compare each signature × method between the target and the reference group of samples.

    Reports group sizes and means, the difference of means (target − reference),
    Hedges' g with 95% CI, Welch's t-test and the two-sided Mann–Whitney U test, the
    group coefficient of a linear model ``score ~ group + covariates`` (statsmodels OLS;
    without covariates it is Student's t-test) and, with ``pair_by``, the paired t-test
    and Wilcoxon signed-rank test over pairs having both groups. ``test``/``p_value``
    name the primary test (paired t with pairs, else the mixed model with ``random_effect``,
    else the linear model with covariates, else Welch). ``random_effect`` (a column such as
    the donor of repeated visits, or the batch) adds a linear mixed model score ~ group +
    covariates + (1 | random_effect) by REML (statsmodels MixedLM): its estimate, t-test
    on nlme's containment df with its CI, and the variances of the random intercept and of
    the residual. ``fdr`` is its Benjamini–Hochberg FDR across the signatures of one
    method within the contrast (``fdr_family``). ``small_n`` flags fewer than 3
    samples (or pairs) per group.

    Parameters
    ----------
    scores
        Tidy scores: ``observation, signature, method, score``.
    obs
        Sample metadata indexed by observation (or a Series of groups, then
        ``design.column`` is its name).
    design
        The groups compared, and covariates, pairs or random effect (:class:`Design`).

    Returns
    -------
    DataFrame
        One row per signature × method, columns :data:`COMPARISON_COLUMNS`.
    """
    if isinstance(obs, pd.Series):
        obs = obs.rename(design.column).to_frame()
    obs = obs.copy()
    obs.index = obs.index.astype(str)
    design.check(obs, "sample")
    counts = obs[design.column].astype(str).value_counts()
    for role, level in (("target", design.target), ("reference", design.reference)):
        if design.pair_by is None and counts.get(level, 0) < 2:
            raise design.error(f"the {role} group {level!r} has {counts.get(level, 0)} sample; at least 2 are needed")
    unscored = sorted(set(obs.index[design.in_groups(obs)]) - set(scores["observation"].astype(str)))
    if unscored:
        raise design.error(f"samples without scores: {unscored[:10]}")
    merged = scores.assign(observation=scores["observation"].astype(str)).join(obs[design.metadata], on="observation")
    rows = _rows_per_signature(merged, design, {"warning": ""})
    table = _finish(rows, ["method"], "signatures of one method within the contrast")
    return table[COMPARISON_COLUMNS]


#: The columns of a single-cell comparison table (:func:`compare_cells`, and
#: :func:`cytoscore.tl.compare_profiles` before its coverage columns).
CELL_COLUMNS = (
    COMPARISON_COLUMNS[:3] + ["cell_type", "level"] + COMPARISON_COLUMNS[3:7]
    + ["n_cells_target", "n_cells_reference"] + COMPARISON_COLUMNS[7:]
)  # fmt: skip


def compare_cells(
    scores,
    obs: pd.DataFrame,
    design: Design,
    *,
    replicate: str,
    split_by: str | None = None,
    level: str = "replicate",
    min_cells: int = 10,
    with_units: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Compare single-cell scores between groups at the level of replicates (donors or samples).

    Per-cell scores are averaged per ``replicate`` × ``split_by`` (cell type); strata
    with fewer than ``min_cells`` cells are dropped (logged); the statistics of
    :func:`compare_groups` are then computed across replicates within each cell type
    (and over all cells, ``cell_type = "all cells"``). With the design's ``pair_by`` (the
    donor column when control and stimulated samples come from the same people) the paired
    tests are primary; with its ``random_effect`` (e.g. the donor of samples from repeated
    visits, nested designs) a mixed model across replicates is. ``level="cell"`` instead
    treats cells as replicates — an explicit option only, whose rows carry
    :data:`PSEUDOREPLICATION_WARNING`.

    Parameters
    ----------
    scores
        A tidy table (``observation, signature, method, score``) or an iterable of tidy parts
        (e.g. one signature of a million cells at a time); the FDR is computed over all parts.
    obs
        The cells' metadata, indexed by cell: the design's columns, ``replicate`` and ``split_by``.
    design
        The groups compared, and pairs, covariates or random effect (:class:`Design`).
    replicate
        The column naming each cell's sample (one condition per sample).
    split_by
        The cell-type column; ``None``: one stratum, ``"all cells"``.
    level
        ``replicate`` (the default; tests across replicates) or ``cell`` (cells as replicates:
        pseudoreplication, flagged).
    min_cells
        Replicate × cell-type strata with fewer cells are dropped (at ``level="cell"``, from the units only).
    with_units
        Also return the values the tests ran on: one row per replicate × cell type ×
        signature × method (``cell_type``, the replicate, group and pair columns, ``score`` =
        the mean score of its cells, ``n_cells``); at ``level="cell"`` the replicates' means,
        for figures.

    Returns
    -------
    DataFrame or (DataFrame, DataFrame)
        The comparison (columns :data:`CELL_COLUMNS`), and with ``with_units`` the units.
    """
    if level not in ("replicate", "cell"):
        raise design.error(f"level must be 'replicate' or 'cell', not {level!r}")
    obs = obs.copy()
    obs.index = obs.index.astype(str)
    design.require(obs, replicate=replicate, split_by=split_by)
    design.check(obs, "cell")
    design.check_replicates(obs, replicate)
    column, target, reference, pair_by = design.column, design.target, design.reference, design.pair_by
    split = split_by or "__all__"
    if split_by is None:
        obs[split] = "all cells"
    meta_cols = list(dict.fromkeys([replicate, split, *design.metadata]))
    rows: list[dict] = []
    unit_parts: list[pd.DataFrame] = []
    logged: set = set()
    for part in score_parts(scores):
        merged = join_observations(part.assign(observation=part["observation"].astype(str)), obs[meta_cols])
        merged = merged[design.in_groups(merged)]
        strata = [("all cells", merged)] if split_by else []
        strata += [(str(ct), sub) for ct, sub in merged.groupby(split, sort=True, observed=True)]
        for cell_type, sub in strata:
            agg = sub.groupby([replicate, "signature", "method"], observed=True)
            means = agg["score"].mean().rename("score").reset_index()
            sizes = agg.size().rename("n_cells").reset_index()
            first = sub.drop_duplicates(replicate).set_index(replicate)[[c for c in meta_cols if c != replicate]]
            means = means.merge(sizes, on=[replicate, "signature", "method"]).join(first, on=replicate)
            if with_units:
                kept = [replicate, column, *(c for c in (pair_by,) if c and c != replicate)]
                unit_parts.append(
                    means.loc[means["n_cells"] >= min_cells, [*kept, "signature", "method", "score", "n_cells"]]
                    .assign(cell_type=cell_type)
                )
            if level == "cell":
                units = sub
                n_cells = sub.groupby([column, "signature", "method"], observed=True).size()
            else:
                units = means
                small = units.loc[units["n_cells"] < min_cells, replicate].unique()
                if len(small) and (cell_type, tuple(small)) not in logged:
                    logged.add((cell_type, tuple(small)))
                    log.info("contrast %s, %s: dropped replicates with < %d cells: %s",
                             design.name, cell_type, min_cells, list(small))  # fmt: skip
                units = units[units["n_cells"] >= min_cells]
                n_cells = units.groupby([column, "signature", "method"], observed=True)["n_cells"].sum()
            extra = {"cell_type": cell_type, "level": level, "warning": PSEUDOREPLICATION_WARNING if level == "cell" else ""}
            for row in _rows_per_signature(units, design, extra):
                key = (row["signature"], row["method"])
                row["n_cells_target"] = int(n_cells.get((target, *key), 0))
                row["n_cells_reference"] = int(n_cells.get((reference, *key), 0))
                rows.append(row)
    if not rows:
        raise design.error(f"no cell type has replicates with at least {min_cells} cells")
    table = _finish(rows, ["method"], "signatures x cell types of one method within the contrast")
    if with_units:
        units = pd.concat(unit_parts, ignore_index=True)
        return table[CELL_COLUMNS], units[["cell_type", *units.columns.drop("cell_type")]]
    return table[CELL_COLUMNS]


def add_coverage(table: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """The signatures' gene coverage (``n_found``, ``coverage``, ``low_coverage``) beside their
    statistics, so that a result resting on part of a set is marked where it is read.

    Parameters
    ----------
    table
        A comparison table.
    coverage
        The dataset's ``gene_set_coverage.tsv``.

    Returns
    -------
    DataFrame
        The table with ``n_genes_found``, ``coverage``, ``low_coverage``.
    """
    cols = coverage.set_index("signature")[["n_found", "coverage", "low_coverage"]]
    cols = cols.rename(columns={"n_found": "n_genes_found"})
    cols["low_coverage"] = flag(cols["low_coverage"])
    return table.join(cols, on="signature")


def omnibus_tests(scores: pd.DataFrame, groups: pd.Series, *, min_per_group: int = 2) -> pd.DataFrame:
    """One-way ANOVA and Kruskal–Wallis across all groups, per signature × method.

    Groups with fewer than ``min_per_group`` samples are left out (and listed). The FDR
    of each test is across the signatures of one method. With fewer than 3 usable
    groups the table is empty (and a warning logged): two groups are a contrast.

    Parameters
    ----------
    scores
        Tidy scores: ``observation, signature, method, score``.
    groups
        Each sample's group, indexed by observation (samples without a group are left out).
    min_per_group
        Groups with fewer samples are left out.

    Returns
    -------
    DataFrame
        One row per signature × method: groups, n per group, F and H with their p and FDR.
    """
    grp = pd.Series(groups).astype(str)
    grp.index = grp.index.astype(str)
    merged = scores.assign(group=scores["observation"].astype(str).map(grp)).dropna(subset=["group"])
    sizes = merged.drop_duplicates("observation")["group"].value_counts()
    used = sorted(sizes[sizes >= min_per_group].index)
    columns = ["signature", "method", "groups", "n_per_group", "anova_f", "anova_p", "kruskal_h",
               "kruskal_p", "fdr_anova", "fdr_kruskal"]  # fmt: skip
    if len(used) < 3:
        log.warning(
            "no omnibus test: fewer than 3 groups with %d+ samples (%s)", min_per_group, _counts(sizes)
        )
        return pd.DataFrame(columns=columns)
    rows = []
    for (method, signature), sub in merged[merged["group"].isin(used)].groupby(
        ["method", "signature"], sort=False
    ):
        samples = [sub.loc[sub["group"] == g, "score"].to_numpy() for g in used]
        if np.ptp(sub["score"]) > 0:
            f, p = stats.f_oneway(*samples)
            h, ph = stats.kruskal(*samples)
        else:
            f = p = h = ph = np.nan
        rows.append(
            {
                "signature": signature,
                "method": method,
                "groups": ",".join(used),
                "n_per_group": ",".join(str(len(s)) for s in samples),
                "anova_f": f,
                "anova_p": p,
                "kruskal_h": h,
                "kruskal_p": ph,
            }
        )
    table = pd.DataFrame(rows)
    for test in ("anova", "kruskal"):
        table[f"fdr_{test}"] = table.groupby("method", sort=False)[f"{test}_p"].transform(
            lambda p: bh_fdr(p.to_numpy())
        )
    return table
