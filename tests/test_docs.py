"""The front page and the docs point at things that exist: every `results/` path they cite, every relative
link, and an index entry for every folder under results/ (results/README.md)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    ROOT / "README.md",
    ROOT / "models" / "README.md",
    ROOT / "results" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
# `git show COMMIT:PATH` citations are left out (the colon before the path); history.md names removed folders,
# which must exist at the commit it names instead.
RESULT_PATH = re.compile(r"(?<![:\w])(?:\.\./)?(results/[\w./*{},-]*[\w/*}-])")
HISTORY = ROOT / "docs" / "history.md"
# results.md quotes the commands as recorded when each result was made, with the paths of that time.
GENERATED = ROOT / "docs" / "results.md"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def cited_results(text: str) -> list[str]:
    paths = []
    for m in RESULT_PATH.finditer(text):
        path = m.group(1).rstrip("/.")
        if any(c in path for c in "{}*"):  # brace and glob patterns: at least one file must match
            path = path.split("{")[0].split("*")[0].rsplit("/", 1)[0]
        paths.append(path)
    return paths


@pytest.mark.parametrize(
    "page", [p for p in PAGES if p not in (HISTORY, GENERATED)], ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_cited_results_path_exists(page: Path):
    missing = sorted({p for p in cited_results(page.read_text()) if not (ROOT / p).exists()})
    assert not missing, f"{page.relative_to(ROOT)} cites missing {missing}"


def test_history_cites_what_its_commit_holds():
    text = HISTORY.read_text()
    commits = set(re.findall(r"\b([0-9a-f]{7})\b", text))
    known = [c for c in commits if _git("cat-file", "-e", f"{c}^{{commit}}") is not None]
    if not known:
        pytest.skip("no git history here (a shallow or exported checkout): the commits history.md names are absent")
    at = "42f72e7"  # the last commit holding every folder this generation removed
    if at not in known:
        pytest.skip(f"commit {at} is not in this checkout's history")
    missing = [
        p for p in cited_results(text) if not (ROOT / p).exists() and _git("cat-file", "-e", f"{at}:{p}") is None
    ]
    assert not missing, f"history.md cites {missing}, in neither the tree nor commit {at}"


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path):
    links = [m.group(1) for m in LINK.finditer(page.read_text()) if "://" not in m.group(1)]
    missing = [link for link in links if not (page.parent / link).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to missing {missing}"


def test_every_results_folder_is_indexed():
    index = (ROOT / "results" / "README.md").read_text()
    listed = set(re.findall(r"^\| `([\w./-]+)` \|", index, flags=re.M))
    for entry in sorted((ROOT / "results").iterdir()):
        if entry.name == "README.md":
            continue
        name = entry.name + ("/" if entry.is_dir() else "")
        covered = name in listed or any(item.startswith(name) for item in listed)
        assert covered, f"results/{name} is not in results/README.md"
    for item in listed:
        assert (ROOT / "results" / item).exists(), f"results/README.md lists results/{item}, which does not exist"


def test_the_readme_stays_a_front_page():
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines <= 250, f"README.md has {lines} lines (at most 250; details go to docs/)"


def test_the_results_page_is_generated_from_results():
    from genre_ldm.results_page import main

    assert main(["--check"]) == 0, "docs/results.md is stale: run python -m genre_ldm.results_page"
