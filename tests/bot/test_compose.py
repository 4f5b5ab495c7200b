"""Deployment files without a Docker engine: docker-compose.yml against the Compose
Specification's JSON schema, the services' wiring, the Dockerfile, and .env.example."""

from __future__ import annotations

import json
import re
import shlex
from importlib import resources

import pytest
from jsonschema import Draft202012Validator

from bot.cli.main import build_parser
from bot.settings import Settings, load_settings
from tests.paths import ROOT

ruamel_yaml = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml comes with check-jsonschema")


@pytest.fixture(scope="module")
def compose() -> dict:
    """Return docker-compose.yml as data (YAML merge keys resolved)."""
    return ruamel_yaml.YAML(typ="safe", pure=True).load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def compose_schema() -> dict:
    """Return the Compose Specification's JSON schema as check-jsonschema ships it."""
    try:
        vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    except ModuleNotFoundError:
        pytest.skip("check-jsonschema (which ships the compose-spec schema) is not installed")
    return json.loads(vendor.joinpath("compose-spec.json").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """Return the Dockerfile's instructions as (KEYWORD, arguments), continuations joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def _errors(schema: dict, data: dict) -> list[str]:
    validator = Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_compose_file_matches_the_compose_specification(compose, compose_schema):
    assert _errors(compose_schema, compose) == []


def test_postgres_has_a_named_volume_and_a_pg_isready_healthcheck(compose):
    pg = compose["services"]["postgres"]
    assert pg["image"].split(":")[0] == "postgres"
    volume = pg["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # named, so data outlives the container
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])


def test_migrate_runs_once_after_postgres_is_healthy(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate.get("restart", "no") == "no"


def test_bot_starts_after_a_successful_migration(compose):
    bot = compose["services"]["bot"]
    assert bot["command"] == ["run"]
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["env_file"] in (".env", [".env"])
    assert bot["restart"] == "unless-stopped"
    assert bot["healthcheck"]["test"][0] == "CMD"
    for name in ("migrate", "bot"):  # the same image, talking to the postgres service
        service = compose["services"][name]
        assert service["image"] == compose["services"]["bot"]["image"]
        assert "@postgres:5432/" in service["environment"]["BRIEFBOT_DATABASE_URL"]


def test_compose_variables_have_defaults_or_are_in_env_example(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    example = (ROOT / ".env.example").read_text()
    for name, rest in re.findall(r"(?<!\$)\$\{(\w+)([^}]*)\}", text):
        if not rest.startswith(":-"):
            assert re.search(rf"^{name}=\S+", example, re.M), f"{name} is required but not in .env.example"


def test_dockerfile_is_slim_non_root_and_installs_the_package(dockerfile):
    keywords = dict(dockerfile)
    assert dockerfile[0] == ("FROM", "python:3.11-slim")
    user = [args for kw, args in dockerfile if kw == "USER"]
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert any(re.search(r"\bpip install\b", args) for kw, args in dockerfile if kw == "RUN")
    assert json.loads(keywords["ENTRYPOINT"]) == ["briefbot"]
    assert json.loads(keywords["CMD"]) == ["run"]


def _image_commands(compose: dict, dockerfile: list[tuple[str, str]]) -> set[str]:
    """Return every `briefbot ...` command line the image is asked to run."""
    commands = {" ".join(json.loads(args)) for kw, args in dockerfile if kw == "CMD"}
    for service in compose["services"].values():
        if "command" in service:
            commands.add(" ".join(service["command"]))
        test = service.get("healthcheck", {}).get("test", [])
        if test[:2] == ["CMD", "briefbot"]:
            commands.add(" ".join(test[2:]))
    return commands


def test_image_commands_exist_and_are_the_readme_ones(compose, dockerfile):
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    commands = _image_commands(compose, dockerfile)
    assert {"run", "db upgrade"} <= commands
    for command in sorted(commands):
        parser.parse_args(shlex.split(command))  # exits (fails the test) when unknown
        assert f"briefbot {command}" in readme, f"README does not show `briefbot {command}`"


def _env_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(field.alias or f"BRIEFBOT_{name.upper()}")
    return names


def test_env_example_documents_every_setting():
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    readme_table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", (ROOT / "README.md").read_text(), re.M))
    assert _env_names() <= documented
    assert readme_table <= documented


def test_env_example_is_valid_settings(monkeypatch, tmp_path):
    for name in _env_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(_env_file=ROOT / ".env.example")
    assert settings.token and settings.admin_ids
    # Every commented-out line shows a value the settings accept.
    commented = re.findall(r"^# ?(BRIEFBOT_\w+)=(\S+)$", (ROOT / ".env.example").read_text(), re.M)
    for name, value in commented:
        if name == "BRIEFBOT_TEMPLATES_DIR":
            continue  # must name an existing folder; the example path is illustrative
        monkeypatch.setenv(name, value)
    load_settings(_env_file=None)
