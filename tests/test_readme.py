"""The README's test command is what CI runs; keep the two from drifting apart."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Tests", 1)[1]
    command = re.search(r"```bash\n(.+?)\n```", section, re.S)
    assert command is not None, "README has no test command under '## Tests'"
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert command.group(1).strip() in [line.strip() for line in ci_lines]


def test_quickstart_command_installs_the_examples_extra_and_runs_the_shipped_script() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1]
    command = re.search(r"```bash\n(.+?)\n```", section, re.S)
    assert command is not None, "README has no command under '## Quickstart'"
    assert 'pip install -e ".[examples]"' in command.group(1)
    script = command.group(1).rsplit("python ", 1)[1].strip()
    assert (ROOT / script).is_file()  # tests/examples runs this script end to end
