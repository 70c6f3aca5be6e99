"""The benchmark's concepts and rules: dialogues, items, rubrics, the task and judge interfaces, protocols and the rules that score without a judge."""
