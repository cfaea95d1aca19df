# Two commands matter: `make run` and `make test`. Both create the local venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1:8000
# Two processes (CI has two cores); tests on real services stay together in one (tests/conftest.py).
PYTEST_ARGS ?= -n 2 --dist loadgroup
SCALE ?= 0.01
BENCH_ARGS ?=

.PHONY: install run serve test lint format worker beat bench messages clean restore-drill version

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## Set up the database, load the 50 pilot areas and the demo world, and serve the site.
## The set-up runs in one process with the base settings (DEBUG off): logging every SQL statement
## of the demo world's bulk inserts costs seconds. It has just checked the project, so the server skips that.
run: install
	DJANGO_SETTINGS_MODULE=project.settings.base $(BIN)/python manage.py prepare_demo
	$(BIN)/python manage.py runserver --skip-checks $(HOST)

serve: install
	$(BIN)/python manage.py runserver $(HOST)

## Lint, check that models and migrations agree, then run the whole suite.
test: install lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## ruff, then lint-imports: the layers between the apps ([tool.importlinter] in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A project worker --loglevel=info

beat: install
	$(BIN)/celery -A project beat --loglevel=info

## National-scale benchmark on PostgreSQL (started if needed): SCALE=0.01 (smoke, ~2 min), 0.1, or 1 (50 areas,
## 220,000 recipients, 6.6 million visits). Results in bench/results/; BENCH_ARGS="--drop" drops the database after.
## Growth: SCALE=3 BENCH_ARGS="--batches 3" shares the scale among three yearly batches (~20 million visits).
bench: install
	$(BIN)/python -m bench.run --scale $(SCALE) $(BENCH_ARGS)

## Regenerate and compile the Chinese catalogue (needs GNU gettext). Existing translations are kept;
## it then lists the entries to translate (new ones, and msgmerge's fuzzy guesses): translate them
## in locale/zh_Hans/LC_MESSAGES/django.po, drop the fuzzy flags, and run it again until none is left.
ZH_PO := locale/zh_Hans/LC_MESSAGES/django.po
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles
	@msgattrib --untranslated --no-obsolete $(ZH_PO) | sed '1,/^$$/d'
	@msgattrib --only-fuzzy --no-obsolete $(ZH_PO) | sed '1,/^$$/d'
	@msgfmt --statistics -o /dev/null $(ZH_PO)
	$(BIN)/python manage.py compilemessages --ignore=.venv

## Backup and restore drill (docs/operations.md): pg_dump DATABASE_URL from a snapshot, pg_restore it into a
## scratch database, compare row counts, run migrate --check and verify_rollups --deep --sample DRILL_SAMPLE
## there, drop it. Reads DATABASE_URL only; SCRATCH_DATABASE_URL puts the scratch copy on another server.
DRILL_SAMPLE ?= 1000
restore-drill: install
	DRILL_SAMPLE=$(DRILL_SAMPLE) $(BIN)/python deploy/restore_drill.py

## The version (pyproject.toml), as the API schema, the admin footer and /health/ show it.
version:
	@sed -n 's/^version = "\(.*\)"$$/\1/p' pyproject.toml

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
