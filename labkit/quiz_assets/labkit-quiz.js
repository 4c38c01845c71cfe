/* In-page quizzes, post-tests, page visits and the CME attestation, from the
 * markup labkit.quiz.render_html writes (the book's {quiz} directive and the
 * labs' quiz.show() cells use the same markup and this same file).
 *
 * Written for the kit rather than taken from a library: jupyterquiz 2.9.6.4 loads
 * MathJax from cdn.jsdelivr.net, teachbooks-questions 0.4.0 imports its maths
 * engine from esm.run (neither works offline), sphinx-exercise 1.2.1 has no
 * answering or scoring, and none of the three keeps progress across pages or
 * prints an answer key.
 *
 * Progress lives in the reader's browser only (localStorage, key
 * "labkit-progress-v1"): nothing is sent anywhere. Without JavaScript the quiz
 * is a plain list of questions with the explanations in closed <details>.
 */
(() => {
  "use strict";
  if (window.labkitQuiz) {  // a second copy (a lab's output in the book): just set up new quizzes
    window.labkitQuiz.init(document);
    return;
  }

  const STORE = "labkit-progress-v1";
  const empty = () => ({ items: {}, pages: {}, tests: {}, learner: "", evaluation: null });
  const load = () => {
    try {
      return Object.assign(empty(), JSON.parse(localStorage.getItem(STORE)) || {});
    } catch (err) {
      return empty();
    }
  };
  const update = (change) => {
    const state = load();
    change(state);
    try {
      localStorage.setItem(STORE, JSON.stringify(state));
    } catch (err) {
      /* private mode or storage full: the page still works, nothing is kept */
    }
    return state;
  };
  const now = () => new Date().toISOString();

  // ------------------------------------------------------------- one question
  const parseNumber = (text) => {
    let t = String(text).trim().replace(/\s/g, "");
    let scale = 1;
    if (t.endsWith("%")) {
      t = t.slice(0, -1);
      scale = 0.01;
    }
    if (/^[+-]?\d*,\d+$/.test(t)) t = t.replace(",", ".");  // decimal comma
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
    return Number(t) * scale;
  };

  const response = (item) => {
    const type = item.dataset.type;
    if (type === "numeric") {
      const value = item.querySelector("input").value;
      return value.trim() === "" ? null : value.trim();
    }
    const chosen = [...item.querySelectorAll("input:checked")].map((i) => i.value);
    if (!chosen.length) return null;
    return type === "single" ? chosen[0] : chosen.sort();
  };

  const judge = (item, answer) => {
    const type = item.dataset.type;
    if (type === "numeric") {
      const value = parseNumber(answer);
      if (value === null) return { correct: false, shown: [], invalid: true };
      const target = Number(item.dataset.answer);
      const tol = Number(item.dataset.tolerance) + 1e-12;
      // A percentage typed for a proportion (or the reverse) is the same answer.
      const near = (v, t, d) => Math.abs(v - t) <= d;
      const correct = near(value, target, tol) ||
        (String(answer).trim().endsWith("%") === false && target <= 1 &&
         near(value / 100, target, tol) && value > 1);
      if (correct) return { correct, shown: ["correct"] };
      const slip = [...item.querySelectorAll("[data-slip]")].find((s) =>
        near(value, Number(s.dataset.slip), Number(s.dataset.tolerance || tol) + 1e-12));
      return { correct, shown: slip ? [slip] : ["incorrect"] };
    }
    const key = item.dataset.key.split(" ").sort();
    const chosen = type === "single" ? [answer] : answer;
    const correct = chosen.join(" ") === key.join(" ");
    // The chosen options' explanations, and for a multiple-answer item the right
    // options that were missed.
    const shown = type === "single" ? chosen : [...new Set([...chosen, ...key])];
    return { correct, shown };
  };

  const showFeedback = (item, verdict, answer) => {
    item.querySelectorAll(".labkit-quiz-feedback").forEach((f) => { f.hidden = true; });
    verdict.shown.forEach((which) => {
      const node = typeof which === "string"
        ? item.querySelector(`.labkit-quiz-feedback[data-for="${which}"]`) : which;
      if (node) node.hidden = false;
    });
    item.querySelectorAll(".labkit-quiz-option").forEach((opt) => {
      const input = opt.querySelector("input");
      opt.classList.toggle("is-chosen", input.checked);
    });
    const result = item.querySelector(".labkit-quiz-result");
    if (verdict.invalid) {
      result.textContent = `"${answer}" is not a number: type a number such as 0.25.`;
      result.className = "labkit-quiz-result is-wrong";
      return;
    }
    const letters = item.dataset.key ? item.dataset.key.split(" ") : [];
    const named = letters.length > 1
      ? `${letters.slice(0, -1).join(", ")} and ${letters[letters.length - 1]}` : letters[0];
    const key = item.dataset.type === "numeric" ? ""
      : ` The best answer${letters.length > 1 ? "s are" : " is"} ${named}.`;
    result.textContent = verdict.correct ? "Correct." : `Not quite.${key}`;
    result.className = "labkit-quiz-result " + (verdict.correct ? "is-right" : "is-wrong");
    const why = item.querySelector(".labkit-quiz-why");
    if (why) why.hidden = false;
  };

  const restore = (item, answer) => {
    if (item.dataset.type === "numeric") {
      item.querySelector("input").value = answer;
    } else {
      const chosen = Array.isArray(answer) ? answer : [answer];
      item.querySelectorAll("input").forEach((i) => { i.checked = chosen.includes(i.value); });
    }
  };

  // ------------------------------------------------------------ a practice quiz
  const scoreLine = (quiz) => {
    const state = load();
    const items = [...quiz.querySelectorAll(".labkit-quiz-item")];
    const done = items.filter((i) => state.items[i.dataset.item]);
    const right = done.filter((i) => state.items[i.dataset.item].first);
    const line = quiz.querySelector(".labkit-quiz-score");
    line.textContent = done.length
      ? `Score: ${right.length} of ${items.length} right at the first try ` +
        `(${done.length} of ${items.length} answered). Kept in this browser only.`
      : `${items.length} questions. Your answers are kept in this browser only.`;
  };

  const setupPractice = (quiz) => {
    const page = quiz.dataset.page;
    const state = load();
    quiz.querySelectorAll(".labkit-quiz-item").forEach((item) => {
      const id = item.dataset.item;
      const saved = state.items[id];
      if (saved && saved.last != null) {
        restore(item, saved.last);
        showFeedback(item, judge(item, saved.last), saved.last);
      }
      item.addEventListener("submit", (event) => {
        event.preventDefault();
        const answer = response(item);
        const result = item.querySelector(".labkit-quiz-result");
        if (answer === null) {
          result.textContent = "Choose or type an answer first.";
          result.className = "labkit-quiz-result";
          return;
        }
        const verdict = judge(item, answer);
        showFeedback(item, verdict, answer);
        if (verdict.invalid) return;
        update((s) => {
          const prior = s.items[id];
          s.items[id] = { page, first: prior ? prior.first : verdict.correct,
                          last: answer, correct: verdict.correct,
                          at: prior ? prior.at : now(), updated: now() };
        });
        scoreLine(quiz);
      });
    });
    const clear = quiz.querySelector(".labkit-quiz-clear");
    if (clear) {
      clear.addEventListener("click", () => {
        update((s) => {
          quiz.querySelectorAll(".labkit-quiz-item").forEach((i) => delete s.items[i.dataset.item]);
        });
        quiz.querySelectorAll(".labkit-quiz-item").forEach((item) => {
          item.reset();
          item.querySelectorAll(".labkit-quiz-feedback, .labkit-quiz-why").forEach((f) => { f.hidden = true; });
          const result = item.querySelector(".labkit-quiz-result");
          result.textContent = "";
          result.className = "labkit-quiz-result";
        });
        scoreLine(quiz);
      });
    }
    scoreLine(quiz);
  };

  // ------------------------------------------------------------------ a test
  const setupTest = (quiz) => {
    const test = quiz.dataset.test;
    const pass = Number(quiz.dataset.pass);
    const items = [...quiz.querySelectorAll(".labkit-quiz-item")];
    const line = quiz.querySelector(".labkit-quiz-score");
    const submit = quiz.querySelector(".labkit-quiz-submit");
    const again = quiz.querySelector(".labkit-quiz-clear");
    const finish = (answers, record) => {
      let right = 0;
      items.forEach((item) => {
        const answer = answers[item.dataset.item];
        if (answer == null) return;
        restore(item, answer);
        const verdict = judge(item, answer);
        if (verdict.correct) right += 1;
        showFeedback(item, verdict, answer);
      });
      const share = right / items.length;
      const passed = share >= pass - 1e-9;
      line.textContent = `You scored ${right} of ${items.length} (${Math.round(share * 100)}%): ` +
        (passed ? "passed" : "not yet passed") + ` (pass mark ${Math.round(pass * 100)}%).`;
      line.className = "labkit-quiz-score " + (passed ? "is-right" : "is-wrong");
      if (record) {
        update((s) => {
          s.tests[test] = { title: quiz.dataset.title, right, n: items.length,
                            score: share, passed, pass, answers, at: now() };
        });
      }
      submit.disabled = true;
    };
    items.forEach((item) => item.addEventListener("submit", (e) => e.preventDefault()));
    submit.addEventListener("click", () => {
      const answers = {};
      items.forEach((item) => { answers[item.dataset.item] = response(item); });
      const missing = items.filter((item) => answers[item.dataset.item] == null);
      if (missing.length) {
        line.textContent = `Answer every question first: ${missing.length} ` +
          `${missing.length === 1 ? "is" : "are"} unanswered (question ` +
          missing.map((m) => m.dataset.number).join(", ") + ").";
        missing[0].querySelector("input").focus();
        return;
      }
      finish(answers, true);
    });
    again.addEventListener("click", () => {
      update((s) => { delete s.tests[test]; });
      items.forEach((item) => {
        item.reset();
        item.querySelectorAll(".labkit-quiz-feedback, .labkit-quiz-why").forEach((f) => { f.hidden = true; });
        item.querySelector(".labkit-quiz-result").textContent = "";
      });
      submit.disabled = false;
      line.className = "labkit-quiz-score";
      line.textContent = "Answers cleared. Answer every question, then submit.";
    });
    line.textContent = `${items.length} questions. Answer every question, then submit ` +
      `(pass mark ${Math.round(pass * 100)}%).`;
    const saved = load().tests[test];
    if (saved && saved.answers) finish(saved.answers, false);
  };

  // ------------------------------------------------------- attestation page
  const fmtDate = (iso) => (iso ? new Date(iso).toISOString().slice(0, 10) : "-");
  const cell = (row, text) => { const td = document.createElement("td"); td.textContent = text; row.append(td); };
  // A table row headed by ``title``, appended to ``body``.
  const headedRow = (body, title) => {
    const row = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = title;
    row.append(th);
    body.append(row);
    return row;
  };

  const setupAttestation = (box) => {
    const state = load();
    const name = box.querySelector("#labkit-learner-name");
    name.value = state.learner || "";
    name.addEventListener("input", () => update((s) => { s.learner = name.value; }));
    const body = box.querySelector("tbody.labkit-attest-pages");
    JSON.parse(box.dataset.pages).forEach((p) => {
      const row = headedRow(body, p.title);
      const visit = state.pages[p.page];
      cell(row, visit ? fmtDate(visit.first) : "not opened");
      const mine = Object.values(state.items).filter((i) => i.page === p.page);
      cell(row, p.questions ? `${mine.filter((i) => i.first).length} of ${p.questions} ` +
        `(${mine.length} answered)` : "-");
    });
    const tests = box.querySelector("tbody.labkit-attest-tests");
    JSON.parse(box.dataset.tests).forEach((t) => {
      const row = headedRow(tests, t.title);
      const r = state.tests[t.test];
      cell(row, r ? `${r.right} of ${r.n} (${Math.round(r.score * 100)}%), ` +
        (r.passed ? "passed" : "not passed") : "not taken");
      cell(row, r ? fmtDate(r.at) : "-");
    });
    box.querySelector(".labkit-attest-evaluation").textContent = state.evaluation
      ? `submitted on ${fmtDate(state.evaluation.at)}` : "not completed";
    box.querySelector(".labkit-attest-date").textContent = fmtDate(now());
    const print = box.querySelector(".labkit-print");
    if (print) print.addEventListener("click", () => window.print());
  };

  // ------------------------------------------------------ evaluation form
  const setupEvaluation = (form) => {
    const state = load();
    const status = form.querySelector(".labkit-evaluation-status");
    if (state.evaluation) {
      Object.entries(state.evaluation.answers).forEach(([k, v]) => {
        const field = form.elements[k];
        if (!field) return;
        if (field instanceof RadioNodeList) {
          [...field].forEach((r) => { r.checked = r.value === v; });
        } else field.value = v;
      });
      status.textContent = `Saved in this browser on ${fmtDate(state.evaluation.at)}.`;
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const answers = Object.fromEntries(new FormData(form).entries());
      update((s) => { s.evaluation = { answers, at: now() }; });
      const blob = new Blob([JSON.stringify({ evaluation: answers, at: now() }, null, 2)],
                            { type: "application/json" });
      const link = form.querySelector(".labkit-evaluation-download");
      link.href = URL.createObjectURL(blob);
      link.hidden = false;
      status.textContent = "Saved in this browser. Download the file below and send it " +
        "to your CME provider, or print this page.";
    });
  };

  // ------------------------------------------------------------------ start
  const init = (root) => {
    root.querySelectorAll(".labkit-quiz:not([data-ready])").forEach((quiz) => {
      quiz.dataset.ready = "1";
      quiz.classList.add("is-interactive");
      quiz.querySelectorAll(".labkit-quiz-controls").forEach((c) => { c.hidden = false; });
      quiz.querySelectorAll(".labkit-quiz-why, .labkit-quiz-feedback").forEach((c) => { c.hidden = true; });
      if (quiz.dataset.mode === "test") setupTest(quiz);
      else setupPractice(quiz);
    });
    root.querySelectorAll(".labkit-attestation:not([data-ready])").forEach((box) => {
      box.dataset.ready = "1";
      setupAttestation(box);
    });
    root.querySelectorAll("form.labkit-evaluation:not([data-ready])").forEach((form) => {
      form.dataset.ready = "1";
      setupEvaluation(form);
    });
  };

  const recordVisit = () => {
    const meta = document.querySelector('meta[name="labkit-page"]');
    if (!meta) return;
    const title = (document.querySelector("h1") || document).textContent.replace(/#$/, "").trim();
    update((s) => {
      const prior = s.pages[meta.content];
      s.pages[meta.content] = { title, first: prior ? prior.first : now(), last: now() };
    });
  };

  window.labkitQuiz = { init, load, parseNumber, STORE };
  const start = () => { recordVisit(); init(document); };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
