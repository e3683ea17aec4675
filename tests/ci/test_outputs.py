"""`--output FORMAT=FILE` (repeatable) beside `--format` and a plain `--output FILE`."""

import json
import xml.etree.ElementTree as ET

from tests.ci.conftest import broken


def test_several_formats_at_once_while_stdout_keeps_the_format(cli):
    name = cli.write(broken())
    code, out, err = cli("audit", name, "--output", "sarif=out/a.sarif", "-o", "junit=out/a.xml",
                         "--output", "markdown=out/a.md", "--output", "github=out/a.txt", "--output", "json=out/a.json")
    # out/ does not exist yet: nothing is written, exit 2, the folder named
    assert code == 2 and "out/a.sarif" in err and "output folder does not exist" in err
    assert not (cli.dir / "out").exists()
    (cli.dir / "out").mkdir()
    code, out, err = cli("audit", name, "--output", "sarif=out/a.sarif", "-o", "junit=out/a.xml",
                         "--output", "markdown=out/a.md", "--output", "github=out/a.txt", "--output", "json=out/a.json")
    assert code == 1 and err == ""
    assert "How to fix:" in out and "FAILED (--fail-on medium)" in out  # the table, on stdout
    report = json.loads((cli.dir / "out/a.json").read_text())
    sarif = json.loads((cli.dir / "out/a.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == len(report["findings"]) == 15
    assert int(ET.parse(cli.dir / "out/a.xml").getroot().get("failures")) == 7
    assert (cli.dir / "out/a.md").read_text().startswith("## apigw-auditor: failed")
    assert (cli.dir / "out/a.txt").read_text().startswith("::error file=snapshot.json,")
    assert sorted(p.name for p in (cli.dir / "out").iterdir()) == ["a.json", "a.md", "a.sarif", "a.txt", "a.xml"]


def test_plain_output_file_still_takes_the_format(cli):
    name = cli.write(broken())
    code, out, _ = cli("audit", name, "--format", "json", "--output", "report.json", "--output", "sarif=r.sarif")
    assert code == 1 and out == ""
    assert json.loads((cli.dir / "report.json").read_text())["version"] == 1
    assert json.loads((cli.dir / "r.sarif").read_text())["version"] == "2.1.0"


def test_a_format_can_go_to_stdout_instead(cli):
    name = cli.write(broken())
    code, out, _ = cli("audit", name, "--output", "sarif=-", "--output", "table=table.txt")
    assert json.loads(out)["version"] == "2.1.0"
    assert "How to fix:" in (cli.dir / "table.txt").read_text()


def test_unknown_format_exits_2_naming_the_known_ones(cli):
    name = cli.write(broken())
    code, out, err = cli("audit", name, "--output", "sarf=a.sarif")
    assert code == 2 and out == ""
    assert "unknown format 'sarf'" in err and "sarif" in err and "junit" in err
    assert not (cli.dir / "a.sarif").exists()


def test_conflicting_outputs_exit_2(cli):
    name = cli.write(broken())
    for args, message in ((["-o", "a.txt", "-o", "b.txt"], "plain files"),
                          (["-o", "sarif=-", "-o", "junit=-"], "stdout"),
                          (["-o", "sarif=same", "-o", "junit=same"], "twice"),
                          (["-o", "sarif="], "no file")):
        code, out, err = cli("audit", name, *args)
        assert code == 2 and message in err, (args, err)
        assert out == ""


def test_a_file_name_with_equals_sign_is_given_with_a_path(cli):
    name = cli.write(broken())
    code, _, _ = cli("audit", name, "--format", "json", "--output", "./a=b.json")
    assert code == 1 and json.loads((cli.dir / "a=b.json").read_text())["findings"]
