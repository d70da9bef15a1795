"""meta/runtime.yml must describe the modules that actually ship.

Users set connection options once with `module_defaults: {group/nvair.air.air: ...}`; a module
missing from the action group silently ignores those defaults and falls back to its own.
"""

from pathlib import Path

import pytest
import yaml

COLLECTION_ROOT = Path(__file__).resolve().parents[3]
MODULES_DIR = COLLECTION_ROOT / "plugins" / "modules"


@pytest.fixture(scope="module")
def runtime():
    with open(COLLECTION_ROOT / "meta" / "runtime.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def shipped_modules():
    return sorted(path.stem for path in MODULES_DIR.glob("*.py") if path.stem != "__init__")


def test_action_group_lists_every_module_exactly_once(runtime):
    group = runtime["action_groups"]["air"]

    assert sorted(group) == shipped_modules()
    assert len(group) == len(set(group))


def test_action_group_is_not_empty(runtime):
    # An empty plugins/modules/ would make the comparison above pass vacuously.
    assert runtime["action_groups"]["air"]
    assert shipped_modules()


def test_supported_ansible_core_range_starts_at_2_16(runtime):
    assert runtime["requires_ansible"] == ">=2.16.0"
