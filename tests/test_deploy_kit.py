"""The deployment kit (Dockerfile, compose.yaml, nginx, systemd) says what docs/deployment.md says.

There is no Docker engine or `docker compose` on the test machines, so compose.yaml is parsed by
compose-spec (the Compose specification's strict parser: unknown keys, wrong durations and bad
enum values fail) and the properties that keep photos private are checked directly.
"""

import configparser
import re
from pathlib import Path

import pytest
import yaml
from compose_spec import PyOptions

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
NGINX = ROOT / "deploy" / "nginx" / "kinframe.conf"
SYSTEMD = ROOT / "deploy" / "systemd"
PHOTO_FOLDER = "/var/lib/kinframe/private"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(interpolate(COMPOSE.read_text(), ENV))


# What an operator's .env provides for the `${NAME:?message}` variables.
ENV = {"POSTGRES_PASSWORD": "test-password"}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`, as `docker compose config`."""

    def value(match: re.Match) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        if name in env:
            return env[name]
        if operator == ":?":
            raise KeyError(f"{name}: {argument}")
        return argument or ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", value, text)


def parse_compose(text: str):
    """compose.yaml shares settings through YAML anchors and `<<` merges, as Compose allows."""
    parsed = PyOptions(apply_merge=True).from_yaml(interpolate(text, ENV))
    parsed.validate()
    return parsed


def test_compose_file_is_valid_compose(compose):
    parsed = parse_compose(COMPOSE.read_text())
    assert set(parsed.service_names()) >= {"web", "worker", "nginx", "db", "redis", "s3", "migrate"}


def test_compose_parser_catches_what_a_typo_would_break():
    """The check above can fail: a misspelt key or a bad duration is refused."""
    text = COMPOSE.read_text()
    for broken in (text.replace("restart: unless-stopped", "restrat: unless-stopped", 1),
                   text.replace("interval: 15s", "interval: fifteen", 1)):  # fmt: skip
        with pytest.raises(ValueError):  # noqa: PT011 (the parser's one error type)
            parse_compose(broken)


def test_web_and_worker_run_one_image_with_one_configuration(compose):
    web, worker = compose["services"]["web"], compose["services"]["worker"]
    assert web["image"] == worker["image"]
    assert web["command"][:2] == ["kinframe", "serve"]
    assert worker["command"] == ["kinframe", "worker"]
    shared = {k: v for k, v in web["environment"].items() if k in worker["environment"]}
    assert shared == worker["environment"]
    assert worker["environment"]["PHOTO_SENDFILE"] == "x-accel"
    assert web["environment"]["PHOTO_SENDFILE_PREFIX"] == "/protected/"


def test_photos_volume_is_read_only_in_nginx_and_in_no_public_location(compose):
    services = compose["services"]
    photo_mounts = {
        name: mount
        for name, service in services.items()
        for mount in service.get("volumes", [])
        if str(mount).startswith("photos:")
    }
    assert set(photo_mounts) == {"migrate", "web", "worker", "nginx"}
    assert photo_mounts["nginx"] == f"photos:{PHOTO_FOLDER}:ro"
    for name in ("db", "redis", "s3"):
        assert name not in photo_mounts

    locations = nginx_locations(NGINX.read_text())
    serving_photos = {
        path: body for path, body in locations.items() if PHOTO_FOLDER in body or "/private" in body
    }
    assert list(serving_photos) == ["/protected/"]
    assert re.search(r"^\s*internal;", serving_photos["/protected/"], re.M)
    assert f"alias {PHOTO_FOLDER}/;" in serving_photos["/protected/"]


def nginx_locations(conf: str) -> dict[str, str]:
    """Each `location` block's path and body (nginx blocks here nest one level at most)."""
    blocks = {}
    for match in re.finditer(r"location\s+(?:=\s*)?(\S+)\s*\{(.*?)\n\s*\}", conf, re.S):
        blocks[match.group(1)] = match.group(2)
    return blocks


def test_nginx_serves_only_tls_and_keeps_metrics_private():
    conf = NGINX.read_text()
    assert re.search(r"listen 443 ssl;", conf)
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    plain = conf.split("server {")[1]
    assert "listen 80;" in plain
    assert "return 301 https://$host$request_uri;" in plain
    assert "proxy_pass" not in plain
    locations = nginx_locations(conf)
    assert "return 404;" in locations["/metrics"]
    assert "proxy_set_header X-Request-ID $request_id;" in locations["/"]
    for path, body in locations.items():
        if "add_header" in body and path != "/.well-known/acme-challenge/":
            assert "Strict-Transport-Security" in body, path


def dockerfile_stages() -> list[list[str]]:
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    stages: list[list[str]] = []
    for line in lines:
        instruction = line.strip()
        if not instruction or instruction.startswith("#"):
            continue
        if instruction.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(instruction)
    return stages


def test_dockerfile_pins_its_base_and_runs_as_an_unprivileged_user():
    stages = dockerfile_stages()
    assert len(stages) >= 2  # a builder and a runtime
    for stage in stages:
        image = stage[0].split()[1]
        assert "@sha256:" in image or re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", image), image
    runtime = stages[-1]
    users = [line.split()[1] for line in runtime if line.upper().startswith("USER ")]
    assert users, "the runtime stage must set USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert any("uv sync --frozen --no-dev" in line for line in stages[0])
    assert not any("uv sync" in line or "pip install" in line for line in runtime)


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(SYSTEMD / name)
    return parser


@pytest.mark.parametrize(
    "name", ["kinframe-web.service", "kinframe-worker@.service", "kinframe-maintenance.service"]
)
def test_systemd_units_run_as_kinframe_confined_to_its_data(name):
    service = unit(name)["Service"]
    assert service["User"] == "kinframe"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/kinframe"
    assert service["EnvironmentFile"] == "/etc/kinframe/kinframe.env"


def test_maintenance_timer_starts_the_daily_upkeep():
    assert unit("kinframe-maintenance.timer")["Timer"]["OnCalendar"]
    text = (SYSTEMD / "kinframe-maintenance.service").read_text()
    for command in ("check_ledger", "purge_expired_photos", "backup"):
        assert f"kinframe {command}" in text
