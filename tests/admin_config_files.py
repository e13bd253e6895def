"""Config files for admin stories: the town's own config, written where /reload reads it."""

from __future__ import annotations

from pathlib import Path

from tests.captains_town import ADMIN_ID
from tests.harness import BUILDING_CONFIG

TOWN = BUILDING_CONFIG.replace("expiry_days = 7\n", f"expiry_days = 7\nadmins = [{ADMIN_ID}]\n")


def write_config(tmp_path: Path, text: str = TOWN) -> str:
    path = tmp_path / "jinlin.toml"
    path.write_text(text, "utf-8")
    return str(path)
