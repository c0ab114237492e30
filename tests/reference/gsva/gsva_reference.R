#!/usr/bin/env Rscript
# Reference ssGSEA scores from R GSVA (Debian: r-base-core, r-bioc-gsva 1.46).
# Usage: Rscript gsva_reference.R expression.tsv sets.gmt out_prefix
# Writes <out_prefix>.ssgsea_norm.tsv (ssgsea.norm=TRUE) and
# <out_prefix>.ssgsea_raw.tsv (ssgsea.norm=FALSE): sets x samples.
suppressPackageStartupMessages(library(GSVA))
args <- commandArgs(trailingOnly = TRUE)
expr <- as.matrix(read.delim(args[1], row.names = 1, check.names = FALSE))
lines <- readLines(args[2])
sets <- lapply(strsplit(lines, "\t"), function(f) f[-(1:2)])
names(sets) <- vapply(strsplit(lines, "\t"), `[`, "", 1)
for (norm in c(TRUE, FALSE)) {
  es <- gsva(expr, sets, method = "ssgsea", min.sz = 1, ssgsea.norm = norm, verbose = FALSE)
  out <- data.frame(signature = rownames(es), es, check.names = FALSE)
  suffix <- if (norm) "ssgsea_norm" else "ssgsea_raw"
  write.table(out, paste0(args[3], ".", suffix, ".tsv"), sep = "\t", quote = FALSE,
              row.names = FALSE)
}
cat("GSVA", as.character(packageVersion("GSVA")), "\n")
