# The README's commands. Each target creates .venv and installs the project when needed,
# so a fresh clone needs nothing but Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

export DAGSTER_HOME        := $(CURDIR)/.dagster_home
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK        := 1
export VIRTUAL_ENV         := $(CURDIR)/$(VENV)
export PATH                := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run test dev bench samples status clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s); set PYTHON=python3.11" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## make run: fetch, parse, load, dbt build, rule checks and publish, on data/sources/*.csv
run: install
	$(BIN)/disclosure run

## make test: the whole test suite. First the Debian packages some tests need (PostgreSQL,
## Chromium, a CJK font): installed when run as root with apt, else named with the command.
## The test files run in TEST_WORKERS processes (pytest-xdist), each file whole in one of them so
## that a file's shared fixtures are built once; TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 2
test: install
	./.ci/system-packages
	$(BIN)/pytest --numprocesses $(TEST_WORKERS) --dist loadfile

## make dev: the Dagster UI on http://127.0.0.1:3000. Started with SIGINT restored: a shell that
## starts it in the background (a script, `make dev &`) ignores SIGINT, and then `dg dev` never
## tells its webserver and daemon to stop, which wait for that message for ever (docs/operations.md).
dev: install
	$(BIN)/python -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
	    $(BIN)/dg dev --host 127.0.0.1 --port 3000

## make bench: parser throughput by physical form, the parser against its floors (PDF ÷ pdfium text, HTML ÷ DOM, in
## CPU time, one run), OCR pages/s per core, then the end-to-end refresh (full, incremental,
## accuracy, parallel parse) of BENCH_N generated reports served over loopback HTTP (figures go in
## BENCHMARKS.md, section of that size; corpora and runs under BENCH_WORKDIR). BENCH_N=100000 for the
## large run; BENCH_ARGS= to print the table without writing it.
BENCH_N       ?= 1000
BENCH_WORKDIR ?= /tmp/bench
BENCH_ARGS    ?= --markdown
bench: install
	$(BIN)/python benchmarks/parse_throughput.py
	$(BIN)/python benchmarks/parser_floors.py
	$(BIN)/python benchmarks/ocr_throughput.py
	$(BIN)/python benchmarks/end_to_end.py --reports $(BENCH_N) --workdir $(BENCH_WORKDIR) $(BENCH_ARGS)

## make samples: regenerate data/samples/ and data/sources/samples.csv from the generator
samples: install
	$(BIN)/python -m orchestration.synthetic.samples

status: install
	$(BIN)/disclosure status

clean:
	rm -rf data/raw data/warehouse.duckdb data/warehouse.duckdb.wal data/published dbt_project/target
