"""The suite runs every app's tests: an app whose tests pytest does not collect would pass CI
without having run."""

import configparser
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_every_app_with_tests_is_in_pytest_testpaths():
    config = configparser.ConfigParser()
    config.read(ROOT / "pytest.ini")
    testpaths = set(config["pytest"]["testpaths"].split())
    with_tests = {Path(app.path).name for app in apps.get_app_configs()
                  if Path(app.path).is_relative_to(ROOT) and (Path(app.path) / "tests").is_dir()}
    assert with_tests and with_tests <= testpaths
