"""``humdial-eval view RUN_DIR [RUN_DIR...]``: browse one or more `score` output folders offline.

Serves the page on 127.0.0.1 (a free port unless ``--port``), prints the URL and opens the browser
(``--no-browser`` only prints it); ``--export FILE.html`` writes one self-contained file instead.
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path

from humdial_eval.cli.errors import EXIT_OK, UserError
from humdial_eval.terminal import printable
from humdial_eval.view.page import PageError, load_runs, render_page
from humdial_eval.view.rundata import AudioFile, RunData, RunFolderError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("view", help="browse runs offline: overview, items with audio, comparison")
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR",
                        help="`score` output folders; with two or more, each is compared with the first")
    parser.add_argument("--export", type=Path, metavar="FILE.html", help="write one self-contained page and exit")
    parser.add_argument("--no-audio", action="store_true", help="with --export: embed no recordings (a small file)")
    parser.add_argument("--no-browser", action="store_true", help="only print the URL")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.no_audio and not args.export:
        raise UserError("--no-audio applies to --export only (the server plays the recordings from their folders)")
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: expected 0..65535")
    try:
        runs = load_runs(args.runs)
        for note in (n for r in runs for n in r.notes[:20]):
            print(f"note: {printable(note, 500)}", file=sys.stderr)
        if args.export:
            return _export(args.export, runs, args.no_audio)
        page = render_page(runs, audio="server")
    except (RunFolderError, PageError) as exc:
        raise UserError(str(exc)) from None
    return _serve(page, [r.audio for r in runs], args.port, not args.no_browser)


def _export(target: Path, runs: list[RunData], no_audio: bool) -> int:
    if target.is_dir():
        raise UserError(f"--export {target}: is a folder; give a file name such as report.html")
    html = render_page(runs, audio="none" if no_audio else "inline")
    try:
        target.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--export {target}: cannot write ({exc.strerror or exc})") from None
    size = target.stat().st_size
    recordings = sum(len(r.audio) for r in runs) if not no_audio else 0
    print(f"Wrote {printable(target)} ({size / 2**20:.2f} MiB, {recordings} recording(s) embedded)")
    return EXIT_OK


def _serve(page: str, audio: list[list[AudioFile]], port: int, open_browser: bool) -> int:
    from humdial_eval.view.server import ViewerServer

    try:
        server = ViewerServer(page, audio, port)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); try another --port") from None
    print(f"Serving the results browser at {server.url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK
