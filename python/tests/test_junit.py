"""The corpus' JUnit (from the real binary) validates against tests/data/junit.xsd."""

import subprocess
import xml.etree.ElementTree as ET

import xmlschema

from conftest import REPO


def junit_of(clustersim_binary, tmp_path, *paths):
    out = tmp_path / "junit.xml"
    subprocess.run(
        [clustersim_binary, "run", *paths, "--junit", str(out)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    return out


def test_corpus_junit_is_valid_and_timed(clustersim_binary, tmp_path):
    out = junit_of(clustersim_binary, tmp_path, "scenarios/")
    xmlschema.XMLSchema(str(REPO / "tests/data/junit.xsd")).validate(str(out))
    root = ET.parse(out).getroot()
    cases = root.findall("./testsuite/testcase")
    assert len(cases) >= 40
    assert all(float(c.get("time")) > 0 for c in cases)
    assert float(root.get("time")) > 0
    suite = root.find("./testsuite")
    props = {p.get("name"): p.get("value") for p in suite.findall("./properties/property")}
    assert props["scenario"].startswith("scenarios/") and props["seed"] == "1"
    assert not any(c.get("classname").endswith("yaml") for c in cases)


def test_a_failure_carries_the_last_events(clustersim_binary, tmp_path):
    out = junit_of(clustersim_binary, tmp_path, "tests/browser/failing/")
    xmlschema.XMLSchema(str(REPO / "tests/data/junit.xsd")).validate(str(out))
    case = ET.parse(out).getroot().find("./testsuite/testcase")
    assert case.find("failure") is not None
    assert "last events before" in case.find("system-out").text
