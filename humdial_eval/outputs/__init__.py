"""What a run leaves behind: the run folder (its files, writer and reader), aggregation with intervals, the reports, and the atomic writer every output goes through."""
