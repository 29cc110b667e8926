"""The officer's training record: one page (and CSV) per officer with every enrollment, its week
progress, each exam's grade that counts, the certificates and the nominations."""
