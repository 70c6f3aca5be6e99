"""What a run leaves behind: the run folder (its files, writer and reader), aggregation with intervals, and the reports."""
