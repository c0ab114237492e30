# Reference for cytoscore's mixed model (tl/_compare.py::_mixed_model): R nlme::lme, REML,
# score ~ group (+ age) with a random intercept per donor: estimate, SE, containment DF, t-test p,
# 95% CI, variances. Debian: r-cran-nlme (3.1). Run here: Rscript mixed_reference.R
library(nlme)
d <- read.delim("inputs.tsv")
out <- data.frame()
for (case in unique(d$case)) {
  x <- d[d$case == case, ]
  x$group <- relevel(factor(x$group), ref = "healthy")
  f <- if (case == "covariate") score ~ group + age else score ~ group
  fit <- lme(f, random = ~ 1 | donor, data = x, method = "REML",
             control = lmeControl(tolerance = 1e-10, msTol = 1e-10, niterEM = 0, msMaxIter = 500))
  tt <- summary(fit)$tTable
  vc <- c(as.numeric(getVarCov(fit)), fit$sigma^2)
  ci <- intervals(fit, which = "fixed")$fixed["groupSLE", ]
  out <- rbind(out, data.frame(case = case, estimate = tt["groupSLE", "Value"], se = tt["groupSLE", "Std.Error"],
                               df = tt["groupSLE", "DF"], p_value = tt["groupSLE", "p-value"],
                               ci_low = ci[["lower"]], ci_high = ci[["upper"]],
                               re_variance = vc[1], residual_variance = vc[2]))
}
write.table(format(out, digits = 12), "nlme.tsv", sep = "\t", quote = FALSE, row.names = FALSE)
