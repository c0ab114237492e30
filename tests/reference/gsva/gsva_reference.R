#!/usr/bin/env Rscript
# Reference scores from R GSVA (Debian: r-base-core, r-bioc-gsva 1.46).
# Usage: Rscript gsva_reference.R expression.tsv sets.gmt out_prefix
# Writes, as sets x samples tables:
#   <out_prefix>.ssgsea_norm.tsv   method="ssgsea", ssgsea.norm=TRUE
#   <out_prefix>.ssgsea_raw.tsv    method="ssgsea", ssgsea.norm=FALSE
#   <out_prefix>.gsva_gaussian.tsv method="gsva", kcdf="Gaussian", mx.diff=TRUE
#   <out_prefix>.gsva_maxdev.tsv   method="gsva", kcdf="Gaussian", mx.diff=FALSE
#   <out_prefix>.gsva_poisson.tsv  method="gsva", kcdf="Poisson" (only for integer input)
suppressPackageStartupMessages(library(GSVA))
args <- commandArgs(trailingOnly = TRUE)
expr <- as.matrix(read.delim(args[1], row.names = 1, check.names = FALSE))
lines <- readLines(args[2])
sets <- lapply(strsplit(lines, "\t"), function(f) f[-(1:2)])
names(sets) <- vapply(strsplit(lines, "\t"), `[`, "", 1)
save <- function(es, suffix) {
  out <- data.frame(signature = rownames(es), es, check.names = FALSE)
  write.table(out, paste0(args[3], ".", suffix, ".tsv"), sep = "\t", quote = FALSE,
              row.names = FALSE)
}
for (norm in c(TRUE, FALSE)) {
  es <- gsva(expr, sets, method = "ssgsea", min.sz = 1, ssgsea.norm = norm, verbose = FALSE)
  save(es, if (norm) "ssgsea_norm" else "ssgsea_raw")
}
save(gsva(expr, sets, method = "gsva", kcdf = "Gaussian", min.sz = 1, verbose = FALSE), "gsva_gaussian")
save(gsva(expr, sets, method = "gsva", kcdf = "Gaussian", mx.diff = FALSE, min.sz = 1, verbose = FALSE),
     "gsva_maxdev")
if (all(expr == round(expr))) {
  save(gsva(expr, sets, method = "gsva", kcdf = "Poisson", min.sz = 1, verbose = FALSE), "gsva_poisson")
}
cat("GSVA", as.character(packageVersion("GSVA")), "\n")
