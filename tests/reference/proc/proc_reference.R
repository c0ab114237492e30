#!/usr/bin/env Rscript
# Reference ROC AUC with DeLong's variance from pROC 1.18 (Debian: r-base-core, r-cran-proc).
# Cases are 1, controls 0; direction "<" (a higher score in cases gives AUC > 0.5), fixed,
# never chosen from the data. p tests AUC = 0.5 with DeLong's SE (two-sided z).
# Usage: Rscript proc_reference.R cases.tsv proc_reference.tsv
suppressPackageStartupMessages(library(pROC))
args <- commandArgs(trailingOnly = TRUE)
data <- read.delim(args[1])
out <- do.call(rbind, lapply(split(data, factor(data$case, levels = unique(data$case))), function(d) {
  r <- roc(d$response, d$score, levels = c(0, 1), direction = "<", quiet = TRUE)
  v <- var(r, method = "delong")
  ci <- ci.auc(r, method = "delong", conf.level = 0.95)
  z <- (as.numeric(auc(r)) - 0.5) / sqrt(v)
  data.frame(case = d$case[1], n_cases = sum(d$response == 1), n_controls = sum(d$response == 0),
             auc = as.numeric(auc(r)), var = v, ci_low = ci[1], ci_high = ci[3],
             p = if (is.finite(z)) 2 * pnorm(-abs(z)) else NA)
}))
write.table(format(out, digits = 15), args[2], sep = "\t", quote = FALSE, row.names = FALSE)
