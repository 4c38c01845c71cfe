"""hosting/: the Zero to JupyterHub values, the class image and its requirements.

The values are validated as ``helm install`` validates them: merged over the
chart's own defaults, against the chart's values schema (both vendored from
Zero to JupyterHub 4.4.0 in hosting/z2jh/chart-4.4.0/, see SOURCE.md there).
"""

import copy
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from tools import sizing, tasks

ROOT = Path(__file__).resolve().parents[1]
HOSTING = ROOT / "hosting"
CHART = HOSTING / "z2jh" / "chart-4.4.0"
CONFIG = HOSTING / "z2jh" / "config.yaml"
DOCKERFILE = HOSTING / "singleuser" / "Dockerfile"
SINGLEUSER = HOSTING / "singleuser" / "requirements.txt"


def helm_merge(defaults: dict, values: dict) -> dict:
    """Helm's coalescing of user values over chart defaults: maps merge key by key,
    anything else (lists included) replaces, and null deletes the key."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = helm_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load((CHART / "values.schema.yaml").read_text())


@pytest.fixture(scope="module")
def defaults():
    return yaml.safe_load((CHART / "values.yaml").read_text())


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(CONFIG.read_text())


def errors(schema, values):
    validator = jsonschema.Draft7Validator(schema)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(values)]


def test_the_class_values_validate_against_the_charts_schema(schema, defaults, config):
    assert errors(schema, defaults) == []  # the vendored pair is consistent
    assert errors(schema, helm_merge(defaults, config)) == []


@pytest.mark.parametrize("broken", [
    {"singleuser": {"memory": {"limitt": "1G"}}},            # a misspelt key
    {"singleuser": {"cpu": {"guarantee": "a quarter"}}},      # not a number
    {"cull": {"timeout": "an hour"}},
    {"singleuser": {"networkPolicy": {"egressAllowRules": {"nonPrivateIPs": "no"}}}},
])
def test_the_schema_rejects_a_broken_value(schema, defaults, config, broken):
    assert errors(schema, helm_merge(helm_merge(defaults, config), broken))


def test_resources_come_from_the_measured_sizing(config):
    plan = sizing.plan(sizing.load())
    single = config["singleuser"]
    assert single["memory"] == {"guarantee": f"{plan['memory_guarantee_mb']}M",
                                "limit": f"{plan['memory_limit_mb']}M"}
    assert single["cpu"] == {"guarantee": plan["cpu_guarantee"], "limit": plan["cpu_limit"]}


def test_no_outside_network_and_idle_servers_are_culled(config):
    policy = config["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    assert policy["egressAllowRules"]["nonPrivateIPs"] is False
    assert policy["egressAllowRules"]["privateIPs"] is False
    assert policy["egressAllowRules"]["cloudMetadataServer"] is False
    # the one opening: the institution's git server, for nbgitpuller
    [rule] = policy["egress"]
    assert [p["port"] for p in rule["ports"]] == [443]
    assert config["cull"]["enabled"] is True
    assert 0 < config["cull"]["timeout"] <= 4 * 3600
    assert config["prePuller"]["continuous"]["enabled"] is True


def test_the_image_is_the_kits_edition_and_sign_in_is_not_the_dummy(config):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert config["singleuser"]["image"]["tag"] == version
    assert config["hub"]["config"]["JupyterHub"]["authenticator_class"] != "dummy"
    assert "CHANGE-ME" in CONFIG.read_text()  # what an institution must fill in is marked


def test_the_learner_home_has_room_for_the_edition(tmp_path, config):
    from tools.notebooks import student

    student(tmp_path / "edition")
    size = sum(p.stat().st_size for p in (tmp_path / "edition").rglob("*") if p.is_file())
    assert size < 10 * 1024 * 1024  # the comment in config.yaml says "under 10 MiB"
    assert "under 10 MiB" in CONFIG.read_text()
    assert config["singleuser"]["storage"]["capacity"] == "1Gi"


def requirement_lines(path: Path) -> list[str]:
    return [ln.split("#")[0].strip() for ln in path.read_text().splitlines()
            if ln.split("#")[0].strip()]


def test_the_singleuser_requirements_add_only_the_server_and_nbgitpuller():
    lines = requirement_lines(SINGLEUSER)
    assert sorted(ln.split("==")[0] for ln in lines) == ["jupyterhub", "nbgitpuller"]
    assert all(re.fullmatch(r"[a-z-]+==[\d.]+", ln) for ln in lines)
    hub_version = re.search(r"runs JupyterHub ([\d.]+)", (CHART / "SOURCE.md").read_text())[1]
    assert f"jupyterhub=={hub_version}" in lines  # the single-user server matches the hub


def test_the_lab_runtime_carries_no_book_test_or_lint_tools():
    lines = requirement_lines(ROOT / "requirements-labs.txt")
    names = {re.split(r"[=<>]", ln)[0].lower() for ln in lines}
    assert not names & {"jupyter-book", "sphinx", "pytest", "pytest-xdist", "nbval", "ruff",
                        "playwright", "hypothesis", "jupytext", "text2qti"}


def test_the_image_installs_exactly_what_the_live_hub_test_uses():
    text = DOCKERFILE.read_text()
    run = re.search(r"RUN python -m pip install ([^\n]*)", text.replace("\\\n", " "))[1]
    files = re.findall(r"-r (\S+)", run)
    assert [ROOT / f for f in files] == list(tasks.HUB_REQUIREMENTS)
    assert "requirements.txt " not in run.replace("singleuser/requirements.txt", "")
    for source in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"the Dockerfile copies {path}, which is missing"
    assert re.search(r"apt-get install[^\n]* git", text)  # nbgitpuller runs git
    assert re.search(r"^USER 1000$", text, re.M)
    assert re.search(r"useradd [^\n]*--uid 1000 --gid 100", text)
    major_minor = re.search(r"^FROM python:(3\.\d+)-", text, re.M)[1]
    assert major_minor in ("3.11", "3.12", "3.13")
    assert 'CMD ["jupyterhub-singleuser"]' in text


# --- the guide (book/hosting.md): every figure it types is checked here --------------

PAGE = ROOT / "book" / "hosting.md"


def test_the_guides_class_link_is_the_one_the_hub_test_follows():
    from tools import hub

    text = PAGE.read_text()
    link = hub.nbgitpuller_link("https://hub.example.org",
                                "https://git.example.org/teaching/labkit-learner.git")
    assert f"```text\n{link}\n```" in text
    assert "--repo https://git.example.org/teaching/labkit-learner.git" in text


def test_the_guides_typed_figures_match_the_config_and_the_sizing(config):
    text = " ".join(PAGE.read_text().split())
    plan = sizing.plan(sizing.load())
    assert f"tljh-config set limits.memory {plan['memory_limit_mb']}M" in text
    assert f"tljh-config set limits.cpu {plan['cpu_limit']:g}" in text
    half = {0.5: "half a"}[sizing.NODE_RESERVE_CPUS]
    assert f"({sizing.NODE_RESERVE_GB} GiB and {half} CPU per node)" in text
    assert config["cull"]["timeout"] == 3600 and "after an hour without use" in text
    assert f"version {CHART.name.removeprefix('chart-')}" in text
    assert f"--version {CHART.name.removeprefix('chart-')}" in text
