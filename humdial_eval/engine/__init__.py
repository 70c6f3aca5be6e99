"""Running a scoring: the pipeline the CLI and the API call, the runner that schedules judgments, the judgment store, plugins and profiles."""
