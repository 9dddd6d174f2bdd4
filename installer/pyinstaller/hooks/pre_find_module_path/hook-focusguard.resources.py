"""focusguard.resources lives in the top-level resources/ folder, mapped onto the package by
pyproject's [tool.setuptools.package-dir] (and by the editable install's import finder, which
PyInstaller's module graph does not consult). Point the search there, so the bundle carries
focusguard.resources as a real (frozen) package and importlib.resources.files() answers
with <bundle>/focusguard/resources, where the spec puts the data files."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[4]


def pre_find_module_path(api):
    api.search_dirs = [str(REPO)]
