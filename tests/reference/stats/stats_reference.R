#!/usr/bin/env Rscript
# Reference effect sizes and meta-analyses for cytoscore's statistics, from R packages the
# field uses: metafor 3.8 (escalc, rma) and effectsize 0.8.3 (Debian bookworm: r-base-core,
# r-cran-metafor, r-cran-effectsize). Inputs: make_inputs.py. Usage: Rscript stats_reference.R
suppressPackageStartupMessages({library(metafor); library(effectsize)})
options(digits = 15)
tg <- read.delim("two_group.tsv", colClasses = c(pair = "character"))
out <- list()
for (case in unique(tg$case)) {
  d <- tg[tg$case == case, ]
  x <- d$value[d$group == "target"]; y <- d$value[d$group == "reference"]
  paired <- any(d$pair != "")
  smd <- escalc("SMD", m1i = mean(x), sd1i = sd(x), n1i = length(x), m2i = mean(y), sd2i = sd(y), n2i = length(y))
  es <- effectsize::hedges_g(x, y, verbose = FALSE)
  welch <- t.test(x, y)
  row <- data.frame(case = case, mean_difference = mean(x) - mean(y),
    welch_ci_low = welch$conf.int[1], welch_ci_high = welch$conf.int[2], welch_p = welch$p.value,
    smd_yi = smd$yi, smd_vi = smd$vi, effectsize_g = es$Hedges_g,
    effectsize_g_ci_low = es$CI_low, effectsize_g_ci_high = es$CI_high,
    smcc_yi = NA, smcc_vi = NA, effectsize_paired_g = NA, paired_p = NA)
  if (paired) {
    xs <- x[order(d$pair[d$group == "target"])]; ys <- y[order(d$pair[d$group == "reference"])]
    smcc <- escalc("SMCC", m1i = mean(xs), m2i = mean(ys), sd1i = sd(xs), sd2i = sd(ys), ni = length(xs),
                   ri = cor(xs, ys))
    row$smcc_yi <- smcc$yi; row$smcc_vi <- smcc$vi
    row$effectsize_paired_g <- effectsize::hedges_g(xs, ys, paired = TRUE, verbose = FALSE)$Hedges_g
    row$paired_p <- t.test(xs, ys, paired = TRUE)$p.value
  }
  out[[case]] <- row
}
write.table(do.call(rbind, out), "two_group_reference.tsv", sep = "\t", quote = FALSE, row.names = FALSE)

meta <- read.delim("meta.tsv")
res <- list()
for (case in unique(meta$case)) {
  m <- meta[meta$case == case, ]
  for (method in c("DL", "PM")) for (test in c("z", "knha", "adhoc")) {
    # PM: metafor solves with uniroot to tol = eps^0.25 by default (tau² off by 8e-5 on BCG)
    fit <- rma(yi, vi, data = m, method = method, test = test, control = list(tol = 1e-12))
    res[[paste(case, method, test)]] <- data.frame(case = case, method = tolower(method),
      test = c(z = "z", knha = "hksj", adhoc = "hksj_adhoc")[[test]], k = fit$k, estimate = as.numeric(fit$beta), se = fit$se,
      ci_lb = fit$ci.lb, ci_ub = fit$ci.ub, pval = fit$pval, tau2 = fit$tau2, i2 = fit$I2 / 100,
      q = fit$QE, q_p = fit$QEp)
  }
}
write.table(do.call(rbind, res), "meta_reference.tsv", sep = "\t", quote = FALSE, row.names = FALSE)
