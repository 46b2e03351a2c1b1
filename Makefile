# banli — every set-up step is here; a fresh clone needs only `make demo` or `make test`.
SHELL := /bin/bash
# Python 3.12+ (Django 6 needs it): python3.12/3.13 on PATH, else the pyenv builds of this image.
PYTHON ?= $(shell for p in python3.12 /root/.pyenv/versions/3.12*/bin/python python3.13 /root/.pyenv/versions/3.13*/bin/python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)
UV := .tools/bin/uv
UV_VERSION := 0.13.9
RUN := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo serve test test-postgres check fmt bench clean browser

$(UV):
	@test -n "$(PYTHON)" || { echo "需要 Python 3.12 或更高版本 (Python 3.12+ is required)"; exit 1; }
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Install the locked dependencies into .venv and node_modules (fast when nothing changed).
install: $(UV) node_modules/.package-lock.json
	UV_PROJECT_ENVIRONMENT=.venv $(UV) sync --frozen --quiet --python $(PYTHON)

# Front-end libraries (Bootstrap, htmx, ECharts, axe-core) from the npm registry, served by the product.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 与 npm（apt-get install -y nodejs npm）"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Browser tests drive Debian's Chromium (never a downloaded browser) and need CJK fonts for screenshots;
# the document tests read the PDFs with poppler (pdffonts, pdftotext, pdftoppm), which embed these fonts;
# fonts-hanazono (花園明朝) has the CJK Extension B–F characters Noto CJK and WenQuanYi lack (𠀀, 𪚥).
BROWSER_PACKAGES := chromium fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei fonts-hanazono poppler-utils
browser:
	@{ test -x /usr/bin/chromium && command -v pdftoppm >/dev/null && test -d /usr/share/fonts/truetype/wqy \
		&& test -d /usr/share/fonts/truetype/hanazono; } \
		|| { echo "安装 Chromium、中文字体与 poppler…"; \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get install -y --no-install-recommends $(BROWSER_PACKAGES) \
		|| { $$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends $(BROWSER_PACKAGES); }; }

# Install, create the SQLite database, load the demo city (示例市) and serve it on http://$(HOST):$(PORT)
# (127.0.0.1:8000 unless told, e.g. `make demo PORT=8123`). DEMO=true installs the demo app; --with-admin
# adds the superuser admin (password demo-2026); --url makes the closing banner name the address served.
demo: export DEMO := true
demo: install
	$(RUN) manage.py migrate --noinput
	$(RUN) manage.py load_demo --with-admin --url http://$(HOST):$(PORT)/
	@# The worker (queued tasks, reminders) runs beside the web server; Ctrl-C stops both.
	$(RUN) manage.py worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(RUN) manage.py runserver $(HOST):$(PORT)

serve: install
	$(RUN) manage.py migrate --noinput
	$(RUN) manage.py runserver $(HOST):$(PORT)

# Production settings (DEBUG=False) under gunicorn on $(HOST):$(PORT) with $(WORKERS) sync workers
# (default 2 × cores + 1, at most 8), over the same database as `make demo` unless DATABASE_URL says
# otherwise. Without SECRET_KEY / SECRET_KEY_FILE a key is generated once into .secrets/ (never committed).
# The deployment behind nginx and systemd: deploy/README.md.
.PHONY: serve-prod
serve-prod: export DEBUG := False
serve-prod: export STATIC_MANIFEST := true
serve-prod: export ALLOWED_HOSTS ?= $(HOST),localhost
serve-prod: install
	@mkdir -p .secrets && echo '*' > .secrets/.gitignore
	@if [ -z "$$SECRET_KEY$$SECRET_KEY_FILE" ] && [ ! -s .secrets/secret_key ]; then \
		(umask 077 && $(RUN) -c 'import secrets; print(secrets.token_urlsafe(50))' > .secrets/secret_key) && \
		echo "已生成 SECRET_KEY：.secrets/secret_key（请妥善保管）"; fi
	@if [ -z "$$SECRET_KEY$$SECRET_KEY_FILE" ]; then export SECRET_KEY_FILE=$(CURDIR)/.secrets/secret_key; fi; \
		set -e; $(RUN) manage.py migrate --noinput; $(RUN) manage.py collectstatic --noinput --verbosity 0; \
		echo "http://$(HOST):$(PORT)/ （gunicorn，DEBUG=False）"; \
		HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) exec .venv/bin/gunicorn -c config/gunicorn.conf.py config.wsgi

# The whole suite; on SQLite unless DATABASE_URL says otherwise.
test: install browser
	$(RUN) -m pytest -n 2 $(PYTEST_ARGS)

test-postgres: install browser
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/banli $(RUN) -m pytest -n 2 $(PYTEST_ARGS)

# Page timings over the demo city in a database of its own (.bench/), against an empty page's.
bench: install
	@mkdir -p .bench
ifdef SCALE
	@command -v wrk >/dev/null || { echo "安装 wrk（负载发生器）…"; SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get install -y --no-install-recommends wrk \
		|| { $$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends wrk; }; }
	$(RUN) -W ignore bench/scale.py --proposals $(SCALE)
else
	DATABASE_URL=sqlite:///$(CURDIR)/.bench/bench.sqlite3 DEBUG=False DEMO=true SECRET_KEY=bench-only-not-secret \
		ALLOWED_HOSTS=testserver $(RUN) -W ignore bench/pages.py
	DATABASE_URL=sqlite:///$(CURDIR)/.bench/spreadsheets.sqlite3 DEBUG=False DEMO=false SECRET_KEY=bench-only-not-secret ALLOWED_HOSTS=testserver $(RUN) -W ignore bench/spreadsheets.py
endif

check: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	$(RUN) manage.py makemigrations --check --dry-run
	.venv/bin/lint-imports --no-cache

fmt: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

clean:
	rm -rf .venv .tools node_modules db.sqlite3 db.sqlite3-* staticfiles test-output .bench .pytest_cache .mypy_cache .ruff_cache
