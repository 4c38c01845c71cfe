# Every target bootstraps .venv from requirements.txt when it is missing or older.
# The work is done by tools/tasks.py (standard library only), which Windows users
# can call directly: py tools\tasks.py book
PYTHON ?= python3
TASKS := $(PYTHON) tools/tasks.py

.PHONY: book test student bench canary datasets lint clean clean-all

book:       ## build the HTML book into _build/html, executing every lab
	$(TASKS) book

test:       ## unit tests, notebook sync, every lab under nbval, a -W book build
	$(TASKS) test

student:    ## learner edition (no solutions) into _build/student and _build/student.zip
	$(TASKS) student

bench:      ## wall time and peak memory of each lab, and of a clean and a no-change book build
	$(TASKS) bench

canary:     ## the tests against the newest releases of every dependency
	$(TASKS) canary

datasets:   ## regenerate datasets/ and datasets/SHA256SUMS
	$(TASKS) datasets

lint:       ## ruff over the Python sources (labs are linted as their .py sources)
	$(TASKS) lint

clean:      ## remove build output, keep the execution cache
	$(TASKS) clean

clean-all:  ## remove _build, .venv and .venv-canary
	$(TASKS) clean-all
