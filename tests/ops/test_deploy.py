"""The production stack in deploy/: the compose file is valid, its services are the README's, one beat only;
what it and the proxy rely on exists (settings, health paths, request ids)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def readme_services() -> list[str]:
    """The first column of the service table in README's Operations section."""
    operations = (ROOT / "README.md").read_text().split("## Operations", 1)[1]
    return re.findall(r"^\| `([a-z]+)` \|", operations, flags=re.MULTILINE)


def test_the_compose_services_are_the_ones_the_readme_lists():
    assert readme_services(), "README's Operations section has no service table"
    assert sorted(compose()["services"]) == sorted(readme_services())


def test_the_stack_has_postgresql_redis_web_worker_one_beat_and_a_reverse_proxy():
    services = compose()["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["proxy"]["image"].startswith("nginx:")
    assert services["web"]["command"][0] == "gunicorn"
    assert "worker" in services["worker"]["command"]
    runs_beat = [
        name
        for name, service in services.items()
        if "beat" in service.get("command", []) or "-B" in service.get("command", [])
    ]
    assert runs_beat == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_the_application_services_use_production_settings_and_wait_for_migrations():
    services = compose()["services"]
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "project.settings.production"
        assert services[name]["env_file"] == ".env"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # The worker writes export files, the web process serves them: the same volume.
    assert "exports:/var/lib/eldercare/exports" in services["web"]["volumes"]
    assert "exports:/var/lib/eldercare/exports" in services["worker"]["volumes"]


def test_every_variable_the_compose_file_reads_is_in_the_env_example():
    text = (DEPLOY / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    example = (DEPLOY / "env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert used - {"ELDERCARE_IMAGE"} <= documented


def test_the_env_example_names_only_settings_the_application_reads():
    example = (DEPLOY / "env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    compose_only = {"COMPOSE_PROJECT_NAME", "POSTGRES_PASSWORD", "TLS_CERT_DIR", "WORKER_CONCURRENCY"}
    sources = "\n".join(
        path.read_text() for path in [*(ROOT / "project" / "settings").glob("*.py"), DEPLOY / "gunicorn.conf.py"]
    )
    for name in names - compose_only - {"DJANGO_SETTINGS_MODULE"}:
        assert f'"{name}"' in sources, f"{name} is in env.example but no setting reads it"


def test_the_web_healthcheck_and_the_proxy_use_the_health_endpoints_that_exist(client, db):
    web = compose()["services"]["web"]
    assert "/health/live/" in " ".join(web["healthcheck"]["test"])
    nginx = (DEPLOY / "nginx" / "eldercare.conf").read_text()
    assert "proxy_set_header X-Request-ID $request_id;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "server web:8000;" in nginx
    for path in ("/health/", "/health/live/"):
        assert client.get(path).status_code in (200, 503)


@pytest.mark.skipif(
    not (shutil.which("docker-compose") or shutil.which("docker")), reason="no docker compose on this machine"
)
def test_docker_compose_config_accepts_the_file(tmp_path):
    """`docker compose config` (or docker-compose v1) resolves the file with the example settings."""
    copy = shutil.copytree(DEPLOY, tmp_path / "deploy")  # with a .env of its own, as an operator has
    env = (DEPLOY / "env.example").read_text().replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=check\n")
    (copy / ".env").write_text(env)
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None or subprocess.run([*command, "version"], capture_output=True).returncode:
            continue
        done = subprocess.run([*command, "config"], capture_output=True, text=True, cwd=copy)
        assert done.returncode == 0, done.stderr
        resolved = yaml.safe_load(done.stdout)
        assert sorted(resolved["services"]) == sorted(readme_services())
        assert resolved["services"]["web"]["environment"]["DATABASE_URL"].startswith("postgres://eldercare:check@db")
        return
    pytest.skip("docker is here but without compose")
