"""Regenerate README.md's sample outputs from the CLI itself (checked by tests/qa/test_readme_samples.py).

A sample is a fenced block right after a marker line naming the command whose stdout it is:

    <!-- output of: apigw-auditor audit examples/seed-broken.json --ignore AGW304 -->
    ```text
    ...
    ```

    python tools/render_readme.py           # rewrite every marked block
    python tools/render_readme.py --check   # exit 1 and name the stale samples, write nothing
"""

import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

README = ROOT / "README.md"
SAMPLE = re.compile(r"^<!-- output of: apigw-auditor (?P<args>[^\n]*?) -->\n(?P<fence>```+)(?P<info>[a-z]*)\n"
                    r"(?P<body>.*?)^(?P=fence)$", re.M | re.S)


def samples(text: str) -> list[tuple[list[str], str, re.Match]]:
    """(argv after `apigw-auditor`, the block's text, the match) of each marked sample."""
    return [(shlex.split(m.group("args")), m.group("body"), m) for m in SAMPLE.finditer(text)]


def output(argv: list[str]) -> str:
    from tools.render_reports import run_cli
    return run_cli(argv)


def rendered(text: str) -> str:
    def replace(match):
        body = output(shlex.split(match.group("args")))
        return (f"<!-- output of: apigw-auditor {match.group('args')} -->\n{match.group('fence')}{match.group('info')}\n"
                f"{body}{match.group('fence')}")
    return SAMPLE.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = README.read_text(encoding="utf-8")
    if argv == ["--check"]:
        stale = [" ".join(args) for args, body, _ in samples(text) if output(args) != body]
        for command in stale:
            print(f"stale README sample: apigw-auditor {command}")
        return 1 if stale else 0
    if argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    new = rendered(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("wrote README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
