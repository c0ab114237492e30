# The targets of a whole run (rule all), and the hooks that mark a run as incomplete until
# it succeeds. Included after the helpers, before the rules.


def final_outputs():
    out = [f"{RESULTS}/report/summary.rst"]
    out += [f"{RESULTS}/comparisons.tsv"] if CONTRASTS else []
    for dataset in DATASETS:
        out += [
            scores_file(dataset),
            f"{RESULTS}/{dataset}/gene_set_coverage.tsv",
            f"{RESULTS}/{dataset}/provenance.json",
        ]
        if len(METHODS) > 1:
            out += [
                f"{RESULTS}/{dataset}/method_concordance.tsv",
                f"{RESULTS}/{dataset}/contrast_concordance.tsv",
            ]
    for dataset in cell_datasets():
        out.append(f"{RESULTS}/{dataset}/score_summary.tsv")
        for method in set_methods():
            if umap_enabled():
                out += figure_set(f"{RESULTS}/{dataset}/figures/umap_{method}")
            out += figure_set(f"{RESULTS}/{dataset}/figures/dotplot_{method}")
            out += figure_set(f"{RESULTS}/{dataset}/figures/violins_{method}")
    for dataset in bulk_datasets():
        out.append(f"{RESULTS}/{dataset}/omnibus.tsv")
        for method in METHODS:
            out += figure_set(f"{RESULTS}/{dataset}/figures/heatmap_{method}")
        for method in correlation_methods():
            out += figure_set(f"{RESULTS}/{dataset}/figures/correlation_{method}")
        if DATASETS[dataset]["axis_profile"]:
            out.append(f"{RESULTS}/{dataset}/axis_profile.tsv")
            out += figure_set(f"{RESULTS}/{dataset}/figures/axis_profile")
        if DATASETS[dataset]["ifn_score_control"]:
            out.append(f"{RESULTS}/{dataset}/ifn_score.tsv")
            out += figure_set(f"{RESULTS}/{dataset}/figures/ifn_score")
    for contrast in CONTRASTS:
        out.append(f"{RESULTS}/contrasts/{contrast}/comparison.tsv")
    for contrast in route_twins():
        out.append(f"{RESULTS}/contrasts/{contrast}/routes.tsv")
    for contrast in bulk_contrasts():
        for method in METHODS:
            out += figure_set(f"{RESULTS}/contrasts/{contrast}/boxplot_{method}")
        out += figure_set(f"{RESULTS}/contrasts/{contrast}/effects")
    for contrast in therapy_contrasts():
        out.append(f"{RESULTS}/contrasts/{contrast}/therapy.tsv")
        out += figure_set(f"{RESULTS}/contrasts/{contrast}/therapy")
    if therapy_contrasts() or any(DATASETS[d]["axis_profile"] for d in DATASETS):
        out.append(f"{RESULTS}/therapies/resource.tsv")
    for name in config["predictions"]:
        out += [
            f"{RESULTS}/predictions/{name}/auc.tsv",
            f"{RESULTS}/predictions/{name}/cross_validation.tsv",
        ]
        out += figure_set(f"{RESULTS}/predictions/{name}/roc")
    for contrast in cell_contrasts():
        for method in set_methods():
            out += figure_set(f"{RESULTS}/contrasts/{contrast}/donors_{method}")
    if CONTRASTS:
        for method in METHODS:
            out += figure_set(f"{RESULTS}/figures/effect_sizes_{method}")
    for name in config["meta_analyses"]:
        out.append(f"{RESULTS}/meta/{name}.tsv")
        for method in METHODS:
            out += figure_set(f"{RESULTS}/meta/{name}_forest_{method}")
    return out


# A run that fails leaves results/RUN_INCOMPLETE.txt: Snakemake removes the outputs of the
# job that failed, but not those of jobs that finished before it, which may look finished.
# Written when a run starts (not for dry runs), removed when it succeeds.
RUN_MARKER = f"{RESULTS}/RUN_INCOMPLETE.txt"


def mark_run(state, log):
    from datetime import datetime

    marker = Path(RUN_MARKER)
    now = datetime.now().isoformat(timespec="seconds")
    log = ", ".join(map(str, log)) if isinstance(log, (list, tuple)) else log
    if state == "start":
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(
            f"A cytoscore run started at {now} and has not finished.\n"
            "Files in this folder may come from jobs that finished before a failure and are not a "
            "complete, consistent set of results. This file is removed when a run succeeds.\n"
        )
    elif state == "error":
        with marker.open("a") as out:
            out.write(
                f"The run FAILED at {now}: see {log} (the failed job's own log is named there). "
                "Fix the error and run again.\n"
            )
    else:
        marker.unlink(missing_ok=True)


onstart:
    mark_run("start", log)


onsuccess:
    mark_run("success", log)


onerror:
    mark_run("error", log)
