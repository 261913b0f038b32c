"""The package's own tests run the real binary through the plugin's fixtures."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
