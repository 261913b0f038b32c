"""The README's pytest example is python/examples/test_failover.py, byte for byte
(.ci/run runs that file), so the example people copy is the one CI runs."""

import re

from conftest import REPO


def test_readme_example_is_the_file_ci_runs():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    example = (REPO / "python/examples/test_failover.py").read_text()
    assert example in blocks
