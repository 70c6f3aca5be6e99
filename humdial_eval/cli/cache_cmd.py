"""``humdial-eval cache stats|clear``: look into the judgment store, or empty it (all, a judge, failures).

The store is found the way ``score`` finds it (``--cache``, else ``$HUMDIAL_EVAL_CACHE``, else the user
cache folder), and neither sub-command creates a store that is not there.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from humdial_eval.cli.errors import EXIT_OK, UserError
from humdial_eval.cli.score_cmd import default_cache_path
from humdial_eval.engine.store import JudgmentStore, StoreError
from humdial_eval.terminal import json_line, printable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cache", help="inspect or clear the judgment store")
    actions = parser.add_subparsers(dest="cache_action", metavar="ACTION", required=True)
    stats = actions.add_parser("stats", help="count stored judgments by judge and task")
    stats.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    clear = actions.add_parser("clear", help="delete stored judgments")
    clear.add_argument("--judge", help="only this judge's judgments (its profile name)")
    clear.add_argument("--failed", action="store_true", help="only failed judgments (they are retried anyway)")
    for sub in (stats, clear):
        sub.add_argument("--cache", type=Path, help="judgment store (default: as for `score`)")
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.cache or default_cache_path()
    if not path.is_file():
        raise UserError(f"no judgment store at {path}")
    try:
        _run_action(args, JudgmentStore(path, check_writable=args.cache_action != "stats"), path)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    return EXIT_OK


def _run_action(args: argparse.Namespace, store: JudgmentStore, path: Path) -> None:
    with store:
        if args.cache_action == "stats":
            _print_stats(store, args.json)
        else:
            removed = store.clear(args.judge, failed_only=args.failed)
            what = " failed" if args.failed else ""
            whose = f" of judge {args.judge!r}" if args.judge else ""
            print(f"removed {removed}{what} judgment(s){printable(whose)} from {printable(path)}")


def _print_stats(store: JudgmentStore, as_json: bool) -> None:
    stats = store.stats()
    size = sum(p.stat().st_size for p in (stats.path, Path(f"{stats.path}-wal")) if p.is_file())
    if as_json:
        print(json_line({
            "path": str(stats.path), "bytes": size, "ok": stats.judgments, "failed": stats.failed,
            "ok_by_judge": stats.by_judge, "failed_by_judge": stats.failed_by_judge, "ok_by_task": stats.by_task,
        }, sort_keys=True))
        return
    print(f"judgment store {printable(stats.path)} ({size / 1024:.1f} KiB)")
    print(f"  {stats.judgments} reusable (ok) judgment(s), {stats.failed} failed (retried by the next run)")
    for judge in sorted(set(stats.by_judge) | set(stats.failed_by_judge)):
        print(f"  judge {printable(judge)}: {stats.by_judge.get(judge, 0)} ok, "
              f"{stats.failed_by_judge.get(judge, 0)} failed")
    for task, count in stats.by_task.items():
        print(f"  task {printable(task)}: {count} ok")
