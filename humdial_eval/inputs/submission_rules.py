"""The challenge's packaging rules, beyond what scoring reads: the package's name and the system description.

The Track 1 submission checklist (HumDial-Challenge ``content/track1/test_set.md``, "Submission Guidelines"):
everything is packed into one file named ``HD-Track1.zip`` holding the ``HD-Track1/`` folder, and
``HD-Track1/[Your_Team_Name]_System_Description.pdf`` is mandatory ("at least 2 pages in length, including
references"; a missing document means disqualification). ``validate`` reports these as warnings, or as
errors with ``--strict``: a submission without its paper still scores, but an organiser must see it.
"""

from __future__ import annotations

import re
from pathlib import Path

from humdial_eval.inputs import layout
from humdial_eval.inputs.inputfiles import InputFileError, read_regular_bytes
from humdial_eval.inputs.issues import IssueLog, Severity

PACKAGE_NAME = "HD-Track1.zip"
DESCRIPTION_PATTERN = re.compile(r"(?P<team>.+)_System_Description\.pdf", re.IGNORECASE)
MIN_DESCRIPTION_PAGES = 2
# A conference paper is a few MB; a bigger file is not read (a PDF parser on untrusted input is bounded here).
MAX_DESCRIPTION_BYTES = 64 * 1024 * 1024


def check_package(given: Path, root: Path, issues: IssueLog, *, strict: bool = False) -> None:
    """Report the package rules into ``issues``: ``given`` is the path the user named (a folder or a zip),
    ``root`` the ``HD-Track1`` folder found in it."""
    severity = Severity.ERROR if strict else Severity.WARNING
    if given.is_file() and given.name != PACKAGE_NAME:
        issues.add("package_name", f"the package is named {given.name!r}; the rules ask for {PACKAGE_NAME}",
                   file=given, severity=severity)
    if root.name != layout.SUBMISSION_FOLDER:
        issues.add("package_name", f"the submission's top folder is {root.name!r}; the rules ask for "
                   f"{layout.SUBMISSION_FOLDER}/", file=root, severity=severity)
    documents = sorted(p for p in root.iterdir() if DESCRIPTION_PATTERN.fullmatch(p.name)) if root.is_dir() else []
    if not documents:
        issues.add("missing_system_description", "no [Team]_System_Description.pdf in the submission's top folder "
                   "(mandatory: the rules disqualify a submission without it)", file=root, severity=severity)
        return
    if len(documents) > 1:
        issues.warn("several_system_descriptions", f"{len(documents)} system descriptions; one is expected",
                    file=root)
    for document in documents:
        pages, problem = count_pages(document)
        if problem:
            issues.add("system_description_unreadable", problem, file=document, severity=severity)
        elif pages is not None and pages < MIN_DESCRIPTION_PAGES:
            issues.add("system_description_too_short", f"{pages} page(s); the rules ask for at least "
                       f"{MIN_DESCRIPTION_PAGES}, references included", file=document, severity=severity)


def count_pages(path: Path) -> tuple[int | None, str | None]:
    """The page count of a PDF read with pypdf, or why it cannot be read (never an exception)."""
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        data = read_regular_bytes(path, max_bytes=MAX_DESCRIPTION_BYTES)
    except InputFileError as exc:
        return None, exc.reason
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if not data.startswith(b"%PDF-"):
        return None, "not a PDF file (no %PDF- header)"
    try:
        return len(PdfReader(BytesIO(data), strict=False).pages), None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            OverflowError, AssertionError) as exc:
        return None, f"not a readable PDF ({type(exc).__name__}: {str(exc)[:200]})"
