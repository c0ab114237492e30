"""Regenerate the single-cell method references used by tests/unit/test_rank_methods.py.

Needs decoupler 2.2.0 and pyucell 0.8.0 (pip install -e ".[bench]"); the input is
rebuilt by tests/helpers.py:simulated_cells() from its seed, so only the outputs of
the reference implementations are committed:

- ulm.tsv:    decoupler.mt.ulm (t-values) on the weighted network
- aucell.tsv: decoupler.mt.aucell (n_up default: ceil(5 % of genes) = 50) on the sets
- ucell.tsv:  pyucell.compute_ucell_scores(max_rank=100) on the sets

Run from the repository root:  python tests/reference/singlecell/make_reference.py
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from helpers import simulated_cells  # noqa: E402


def main() -> None:
    import decoupler as dc
    import pyucell

    adata, sets, net = simulated_cells()
    set_net = pd.DataFrame([{"source": s, "target": g} for s, genes in sets.items() for g in genes])
    dc.mt.ulm(adata, net, tmin=1)
    dc.mt.aucell(adata, set_net, tmin=1)
    pyucell.compute_ucell_scores(adata, signatures=sets, max_rank=100, n_jobs=1)
    ucell = adata.obs[[f"{s}_UCell" for s in sets]].set_axis(list(sets), axis=1)
    for name, table in {
        "ulm": adata.obsm["score_ulm"],
        "aucell": adata.obsm["score_aucell"],
        "ucell": ucell,
    }.items():
        table.to_csv(HERE / f"{name}.tsv", sep="\t", float_format="%.10g", index_label="cell")
    print("decoupler", version("decoupler"), "pyucell", version("pyucell"))


if __name__ == "__main__":
    main()
