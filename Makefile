# The two set-up commands (see README): `make run` starts the app, `make test` runs every test.
.PHONY: run test setup index lint bench eval

setup:
	@bash scripts/bootstrap.sh

run: setup
	.venv/bin/assistant serve

test: lint
	@bash scripts/install-browser.sh
	.venv/bin/python -m pytest

index: setup
	.venv/bin/assistant index

lint: setup
	.venv/bin/ruff format --check assistant index evals tests
	.venv/bin/ruff check assistant index evals tests

bench: setup
	.venv/bin/python evals/bench/index_bench.py
	.venv/bin/python evals/bench/answer_bench.py

eval: setup
	.venv/bin/assistant eval all
