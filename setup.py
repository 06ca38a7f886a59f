"""Only for ``scrapyd-deploy``, which builds the egg with ``python setup.py bdist_egg`` here.

The package is described in pyproject.toml (the ``scrapy`` entry point that tells Scrapyd the
settings module included); without this file scrapyd-deploy writes a setup.py of its own and
leaves it in the checkout. Building leaves nothing behind either: ``build/`` goes to a temporary
directory, and the ``*.egg-info`` the egg's metadata is gathered in is removed unless it was
already there (an editable install's).
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from setuptools import setup

scratch = tempfile.mkdtemp(prefix="blade-spider-build-")
atexit.register(shutil.rmtree, scratch, ignore_errors=True)
egg_info = Path(__file__).resolve().parent / "blade_spider.egg-info"
if not egg_info.exists():
    atexit.register(shutil.rmtree, egg_info, ignore_errors=True)
setup(options={"build": {"build_base": scratch}})
