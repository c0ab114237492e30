#!/usr/bin/env Rscript
# Reference edgeR 3.40 results on GSE161664 (Debian: r-base-core, r-bioc-edger).
# Usage: Rscript edger_reference.R <folder of count files> <out folder>
suppressPackageStartupMessages(library(edgeR))
args <- commandArgs(trailingOnly = TRUE)
files <- sort(list.files(args[1], pattern = "\\.txt$", full.names = TRUE))
counts <- do.call(cbind, lapply(files, function(f) read.delim(f, header = FALSE, row.names = 1)[, 1]))
rownames(counts) <- read.delim(files[1], header = FALSE)[, 1]
colnames(counts) <- sub("_.*", "", basename(files))
counts <- counts[!grepl("^__", rownames(counts)), ]  # HTSeq summary lines
group <- sub(".*_SAEC_(.*)_rep.*", "\\1", basename(files))
y <- DGEList(counts, group = group)
keep <- filterByExpr(y, group = group)
y <- y[keep, , keep.lib.sizes = FALSE]
y <- calcNormFactors(y, method = "TMM")
lcpm <- cpm(y, log = TRUE, prior.count = 2)
genes <- c("IFIT1", "RSAD2", "MX1", "ISG15", "IFI27", "CIITA", "IDO1", "GBP1", "STAT1", "IRF1",
           "ACTB", "GAPDH", "SOCS1", "CXCL10", "HLA-DRA", "IFI44L", "OAS1", "MX2", "IFITM1", "B2M")
genes <- genes[genes %in% rownames(lcpm)]
write.table(data.frame(sample = colnames(y), group = group, lib_size = y$samples$lib.size,
                       norm_factor = y$samples$norm.factors),
            file.path(args[2], "gse161664_tmm_factors.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
write.table(data.frame(gene = genes, lcpm[genes, ], check.names = FALSE),
            file.path(args[2], "gse161664_logcpm.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
# md5 of the sorted kept gene names, one per line (newline-terminated)
tmp <- tempfile()
writeLines(sort(rownames(y), method = "radix"), tmp)  # C-locale order
writeLines(c(paste("n_kept", sum(keep)), paste("n_genes", length(keep)),
             paste("kept_md5", unname(tools::md5sum(tmp)))),
           file.path(args[2], "gse161664_filter.txt"))
