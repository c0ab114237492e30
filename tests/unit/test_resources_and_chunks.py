"""Signature resources (PROGENy, BTM, CytoSig, weight tables) and chunked / backed scoring."""

import io
import tarfile
import zipfile

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from helpers import SHARED, needs_shared, simulated_cells

from cytoscore import InputError
from cytoscore.resources import GeneSet, gene_set_table, read_collection, read_gene_set_table, resource_table
from cytoscore.tl import score_gene_sets

PROGENY = SHARED / "resources" / "progeny_model_human_full.csv.gz"


@needs_shared
def test_progeny_top_genes_by_p_value():
    sets = {
        gs.name: gs for gs in read_collection(PROGENY, name="progeny", spec={"format": "progeny", "top": 100})
    }
    assert len(sets) == 14 and {"PROGENY_JAK_STAT", "PROGENY_NFkB", "PROGENY_TNFa"} <= set(sets)
    model = pd.read_csv(PROGENY)
    jak = model[model["pathway"] == "JAK-STAT"].sort_values("p.value", kind="stable").head(100)
    assert sets["PROGENY_JAK_STAT"].genes == tuple(jak["gene"])
    np.testing.assert_array_equal(sets["PROGENY_JAK_STAT"].weights, jak["weight"].to_numpy())
    assert "STAT1" in sets["PROGENY_JAK_STAT"].genes or "IRF1" in sets["PROGENY_JAK_STAT"].genes


def _archive(tmp_path, kind: str, member: str, payload: bytes):
    if kind == "tar":
        path = tmp_path / "pkg-1.0.tar.gz"
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo(f"pkg-1.0/pkg/{member}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    else:
        path = tmp_path / "pkg-1.0-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(f"pkg/{member}", payload)
    return path


def test_cytosig_matrix_from_package_archive(tmp_path):
    matrix = "IFN1\tIFNG\nISG15\t2.5\t0.5\nCXCL9\t0.1\t3.0\nACTB\t0\t0\n"
    path = _archive(tmp_path, "tar", "signature.centroid", matrix.encode())
    sets = {gs.name: gs for gs in read_collection(path, name="cytosig", spec={"format": "cytosig"})}
    assert sets["CYTOSIG_IFNG"].weight_of() == {"ISG15": 0.5, "CXCL9": 3.0}  # zero weights dropped
    assert sets["CYTOSIG_IFN1"].weighted


def test_btm_modules_are_parsed_not_executed(tmp_path):
    source = (
        "import os\nos.system('false')\n"
        "ModuleDict = {'antiviral IFN signature (M75)': ['IFI44', 'MX1', 'OAS1'], "
        "'type I interferon response (M127)': ['ISG15', 'IFIT1']}\n"
    )
    path = _archive(tmp_path, "zip", "btm2013.py", source.encode())
    sets = read_collection(path, name="btm", spec={"format": "btm", "licence": "MIT"})
    assert [(gs.name, gs.description, gs.licence) for gs in sets] == [
        ("BTM_M75", "antiviral IFN signature", "MIT"),
        ("BTM_M127", "type I interferon response", "MIT"),
    ]
    with pytest.raises(InputError, match="no member named 'missing.py'"):
        read_collection(path, name="btm", spec={"format": "btm", "member": "missing.py"})


def test_weight_table_errors_name_the_file_and_row(tmp_path):
    good = tmp_path / "w.tsv"
    good.write_text("source\ttarget\tweight\nS1\tA\t1.5\nS1\tB\t-2\n")
    (gs,) = read_collection(good, name="mine", spec={"format": "weights", "version": "1"})
    assert gs.weight_of() == {"A": 1.5, "B": -2.0} and gs.collection == "mine"
    bad = tmp_path / "bad.tsv"
    bad.write_text("signature\tgene\tweight\nS1\tA\t1.5\nS1\tB\tlots\n")
    with pytest.raises(InputError, match=r"bad.tsv: weight 'lots' on data row 2"):
        read_collection(bad, name="mine", spec={"format": "weights"})
    cols = tmp_path / "cols.tsv"
    cols.write_text("name\tgene\tweight\nS1\tA\t1\n")
    with pytest.raises(InputError, match="needs columns signature"):
        read_collection(cols, name="mine", spec={"format": "weights"})


@needs_shared
def test_gene_set_table_round_trips_weights_and_resources_record_checksums(tmp_path):
    sets = read_collection(
        PROGENY, name="progeny", spec={"format": "progeny", "top": 5, "licence": "Apache-2.0"}
    )
    path = tmp_path / "sets.tsv"
    gene_set_table(sets).to_csv(path, sep="\t", index=False)
    assert read_gene_set_table(path) == sets
    table = resource_table(
        {"progeny": {"format": "progeny", "path": str(PROGENY), "licence": "Apache-2.0"}}, [PROGENY], sets
    )
    import hashlib

    assert table.loc[0, "sha256"] == hashlib.sha256(PROGENY.read_bytes()).hexdigest()
    assert table.loc[0, "n_signatures"] == 14 and table.loc[0, "licence"] == "Apache-2.0"


def test_chunked_and_backed_scoring_equal_in_memory(tmp_path):
    adata, sets, net = simulated_cells()
    signatures = [GeneSet(n, tuple(g)) for n, g in sets.items()]
    weighted = [  # CytoSig-format signatures, so that the cytosig method fits them
        GeneSet(s, tuple(rows["target"]), weights=tuple(rows["weight"]), format="cytosig")
        for s, rows in net.groupby("source")
    ]
    methods = ["mean_z", "ssgsea", "singscore", "ucell", "aucell", "ulm", "cytosig"]
    params = {"cytosig": {"n_permutations": 50}, "ucell": {"max_rank": 100}}
    whole, _ = score_gene_sets(
        adata.copy(), signatures + weighted, methods=methods, method_params=params, min_genes=1
    )
    chunked, _ = score_gene_sets(
        adata.copy(), signatures + weighted, methods=methods, method_params=params, min_genes=1, chunk_size=37
    )
    adata.write_h5ad(tmp_path / "cells.h5ad")
    backed, _ = score_gene_sets(
        ad.read_h5ad(tmp_path / "cells.h5ad", backed="r"),
        signatures + weighted,
        methods=methods,
        method_params=params,
        min_genes=1,
        chunk_size=64,
    )
    for other in (chunked, backed):
        pd.testing.assert_frame_equal(whole, other, check_exact=False, atol=1e-10, rtol=0)
    # set methods score gene sets, ulm all signatures, cytosig the CytoSig ones
    per_method = whole.groupby("method")["signature"].unique()
    assert set(per_method["ucell"]) == set(sets)
    assert set(per_method["ulm"]) == set(sets) | set(net["source"])
    assert set(per_method["cytosig"]) == set(net["source"])


def test_cytosig_fits_its_whole_collection_and_reports_the_selection(tmp_path, caplog):
    """CytoSig is fitted on all its cytokines, as the original does, whatever is selected;
    PROGENy is not scored by cytosig unless fit: selected asks for one joint model."""
    from cytoscore.resources import build_gene_sets
    from cytoscore.tl import cytosig_kernel

    rng = np.random.default_rng(4)
    genes = [f"G{i}" for i in range(300)]
    cytokines = [f"C{i}" for i in range(6)]
    matrix = pd.DataFrame(rng.normal(size=(300, 6)) * (rng.random((300, 6)) < 0.3), index=genes, columns=cytokines)
    path = _archive(tmp_path, "tar", "signature.centroid", matrix.to_csv(sep="\t").encode())
    weights = tmp_path / "w.tsv"
    weights.write_text("signature\tgene\tweight\n" + "".join(f"PATHWAY\t{g}\t{rng.normal():.3f}\n" for g in genes[:80]))
    collections = {"cytosig": {"format": "cytosig"}, "mine": {"format": "weights"}}
    sets = build_gene_sets(
        collections=collections, files=[path, weights], select=["CYTOSIG_C1", "CYTOSIG_C4", "PATHWAY"]
    )
    assert [(gs.name, gs.reported) for gs in sets][:3] == [("CYTOSIG_C1", True), ("CYTOSIG_C4", True), ("PATHWAY", True)]
    assert sorted(gs.name for gs in sets if not gs.reported) == ["CYTOSIG_C0", "CYTOSIG_C2", "CYTOSIG_C3", "CYTOSIG_C5"]
    table = tmp_path / "sets.tsv"
    gene_set_table(sets).to_csv(table, sep="\t", index=False)
    assert read_gene_set_table(table) == sets  # format and reported survive the table
    X = rng.gamma(2.0, 1.0, size=(12, 300))
    adata = ad.AnnData(X=X, var=pd.DataFrame(index=genes))
    kw = dict(methods=["cytosig", "ulm"], min_genes=3, wide=True, method_params={"cytosig": {"n_permutations": 50}})
    with caplog.at_level("WARNING"):
        scores, coverage = score_gene_sets(adata, read_gene_set_table(table), **kw)
    assert "not scored by it: ['PATHWAY']" in caplog.text  # said, not silent
    assert list(coverage["signature"]) == ["CYTOSIG_C1", "CYTOSIG_C4", "PATHWAY"]  # fitted-only sets not reported
    assert list(scores["cytosig"].columns) == ["CYTOSIG_C1", "CYTOSIG_C4"]
    assert list(scores["ulm"].columns) == ["CYTOSIG_C1", "CYTOSIG_C4", "PATHWAY"]

    def W(names):
        by_name = {gs.name: gs for gs in sets}
        out = np.zeros((300, len(names)))
        for j, name in enumerate(names):
            for gene, w in by_name[name].weight_of().items():
                out[genes.index(gene), j] = w
        return out

    everything = cytosig_kernel(X, W([f"CYTOSIG_C{i}" for i in range(6)]), gene_mean=X.mean(0), n_permutations=50)
    np.testing.assert_allclose(scores["cytosig"].to_numpy(), everything[:, [1, 4]], rtol=1e-10, atol=1e-12)
    # the selection alone is a different model: fitting only what is shown would change the answer
    alone = cytosig_kernel(X, W(["CYTOSIG_C1", "CYTOSIG_C4"]), gene_mean=X.mean(0), n_permutations=50)
    assert np.abs(alone - everything[:, [1, 4]]).max() > 0.1
    kw["method_params"] = {"cytosig": {"n_permutations": 50, "fit": "selected"}}
    joint, _ = score_gene_sets(adata, read_gene_set_table(table), **kw)
    expected = cytosig_kernel(X, W(["CYTOSIG_C1", "CYTOSIG_C4", "PATHWAY"]), gene_mean=X.mean(0), n_permutations=50)
    np.testing.assert_allclose(joint["cytosig"].to_numpy(), expected, rtol=1e-10, atol=1e-12)
