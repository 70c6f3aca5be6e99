"""Packaging: a wheel adds exactly one import name, and the installed CLI and API work from a research
repository that has its own ``tasks``, ``models`` and ``judges`` packages (issue 21)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
SHIPPED_SUFFIXES = {".py", ".yaml", ".j2", ".csv", ".txt", ".json", ".html", ".js", ".css"}


def tracked_package_files() -> dict[str, Path]:
    """Every file the wheel must hold, by its path inside the wheel (``humdial_eval/judges/llm/base.py``)."""
    files: dict[str, Path] = {}
    for package, folder in PACKAGE_DIR.items():
        for path in sorted((REPO / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix not in SHIPPED_SUFFIXES:
                continue
            inside = path.relative_to(REPO / folder)
            if folder == "humdial_eval" and inside.parts[0] in {p.split(".")[1] for p in PACKAGE_DIR if "." in p}:
                continue
            files["/".join([*package.split("."), *inside.parts])] = path
    return files


def test_every_package_folder_is_listed() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    folders = {name.rsplit("/", 1)[0].replace("/", ".") for name in tracked_package_files()}
    assert folders == listed, f"pyproject.toml packages: missing {sorted(folders - listed)}, stale {sorted(listed - folders)}"


def test_package_dirs_put_everything_under_one_name() -> None:
    assert set(PACKAGE_DIR) == {"humdial_eval", *(f"humdial_eval.{name}" for name in
                                                  ("tasks", "judges", "leaderboards", "reference_model", "models"))}
    for group, entries in PYPROJECT["project"]["entry-points"].items():
        for name, target in entries.items():
            assert target.startswith("humdial_eval."), f"entry point {group}:{name} = {target}"


def test_no_module_imports_the_repository_folders_by_their_own_names() -> None:
    """Inside the repository ``import tasks`` would work by accident; installed it would reach a user's package."""
    offenders = []
    for folder in ("humdial_eval", "tasks", "judges", "leaderboards", "reference_model", "models", "tests", "benchmarks",
                   "scripts"):
        for path in (REPO / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                words = line.split()
                if len(words) >= 2 and words[0] in {"import", "from"} and \
                        words[1].split(".")[0] in {"tasks", "judges", "leaderboards", "reference_model", "models"}:
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A wheel built from a copy of the tree (the repository is left untouched) and a fresh virtual
    environment holding only it; the dependencies are read from this interpreter's site-packages, whose
    editable install of the repository is not activated there (its .pth file is not processed)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for folder in PACKAGE_DIR.values():
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = work / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(wheels), str(source)], check=True, capture_output=True)
    (wheel,) = wheels.glob("humdial_eval-*.whl")
    environment = work / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    str(wheel)], check=True, capture_output=True)
    return wheel, python


def test_the_wheel_adds_one_top_level_name_and_ships_every_file(installed_wheel: tuple[Path, Path]) -> None:
    wheel, _ = installed_wheel
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        top_level = archive.read(next(n for n in names if n.endswith(".dist-info/top_level.txt"))).decode().split()
    assert {name.split("/")[0] for name in names} == {"humdial_eval", wheel.name.split("-")[0] + "-0.1.0.dist-info"}
    assert top_level == ["humdial_eval"]
    missing = sorted(set(tracked_package_files()) - set(names))
    assert not missing, missing


def research_repository(root: Path) -> Path:
    """A user's working directory whose own packages carry the names the harness's folders have."""
    for name in ("tasks", "models", "judges", "leaderboards", "reference_model"):
        package = root / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
        for module in ("trajectory", "reasoning", "empathy", "offline_rubric", "generate", "cli", "profiles"):
            (package / f"{module}.py").write_text(f"raise RuntimeError('the user\\'s own {name}.{module} ran')\n",
                                                  encoding="utf-8")
    return root


def test_cli_and_api_run_beside_a_users_own_tasks_models_and_judges(
    installed_wheel: tuple[Path, Path], tmp_path: Path
) -> None:
    _, python = installed_wheel
    cwd = research_repository(tmp_path / "research")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["HUMDIAL_EVAL_CACHE"] = str(tmp_path / "cache.sqlite")
    submission, testset = REPO / "examples" / "submission", REPO / "examples" / "testset"
    validated = subprocess.run([str(python), "-m", "humdial_eval", "validate", str(submission), "--testset", str(testset)],
                               cwd=cwd, env=env, capture_output=True, text=True)
    assert validated.returncode == 0, validated.stderr
    listing = subprocess.run([str(environment_script(python)), "--help"], cwd=cwd, env=env, capture_output=True, text=True)
    assert listing.returncode == 0 and "leaderboard" in listing.stdout, listing.stderr
    script = (
        "import humdial_eval as he, sys\n"
        "assert 'site-packages' in he.__file__, he.__file__\n"
        f"summary = he.score({str(submission)!r}, {str(testset)!r}, out={str(tmp_path / 'out')!r}, bootstrap=100)\n"
        "print(summary.final_partial)\n"
        "import humdial_eval.tasks.trajectory, humdial_eval.judges.offline_rubric\n"
        "print(humdial_eval.tasks.trajectory.__file__)\n"
        "print('tasks' in sys.modules and 'site-packages' not in (sys.modules['tasks'].__file__ or ''))\n"
    )
    api = subprocess.run([str(python), "-c", script], cwd=cwd, env=env, capture_output=True, text=True)
    assert api.returncode == 0, api.stderr
    final_partial, trajectory_file, user_tasks_loaded = api.stdout.split()
    assert float(final_partial) > 0
    assert "site-packages/humdial_eval/tasks/trajectory.py" in trajectory_file
    assert user_tasks_loaded == "False"  # nothing of ours imported the user's package
    assert (tmp_path / "out" / "summary.json").is_file()


def environment_script(python: Path) -> Path:
    return python.parent / "humdial-eval"
