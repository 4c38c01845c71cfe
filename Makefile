# Every target bootstraps .venv from requirements.txt when it is missing or older.
# The work is done by tools/tasks.py (standard library only), which Windows users
# can call directly: py tools\tasks.py book
# LABKIT_SKIP_VENV=1 makes every target use the Python running tools/tasks.py as it
# is (no .venv, no install): for environments managed some other way.
PYTHON ?= python3
TASKS := $(PYTHON) tools/tasks.py

.PHONY: book test determinism student lms bench hub canary datasets lint release clean clean-all

book:       ## build the HTML book into _build/html; labs not in the cache run first, 2 at a time
	$(TASKS) book

hub:        ## class environment (.venv-hub, as the hub image installs it) runs every lab; a live JupyterHub with several learners at once
	$(TASKS) hub

test:       ## each lab executed once (reused if cached), then pytest: unit tests, lab outputs, a -W book build, the site
	$(TASKS) test

determinism: ## run every lab again and fail if its text differs from the cached run (CI runs it)
	$(TASKS) determinism

student:    ## learner edition (no solutions) into _build/student and _build/student.zip
	$(TASKS) student

lms:        ## question bank and CME post-tests as Canvas QTI (.zip) and Moodle GIFT into _build/lms
	$(TASKS) lms

bench:      ## import floor; each lab's time (budget 3x the floor), memory, slowest cells, determinism; book builds; fails when over budget
	$(TASKS) bench

canary:     ## the tests against the newest releases of every dependency
	$(TASKS) canary

datasets:   ## regenerate datasets/ and datasets/SHA256SUMS
	$(TASKS) datasets

lint:       ## ruff over the Python sources (labs are linted as their .py sources)
	$(TASKS) lint

release:    ## make release VERSION=x.y.z: clean tree, bump, make test, site and learner zips in _build/release, tag vx.y.z
	$(TASKS) release $(VERSION)

clean:      ## remove build output, keep the execution cache
	$(TASKS) clean

clean-all:  ## remove _build, .venv, .venv-canary, .venv-hub and the hub's proxy (hosting/proxy/node_modules)
	$(TASKS) clean-all
