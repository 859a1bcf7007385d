// The registration form's questions on the registrations tab
// (organizer-registrations.html): short text, one choice, several choices
// and a required consent, each labelled in the event's working languages;
// add, remove and reorder by buttons (keyboard; nothing needs dragging);
// saved through the API's own PUT /api/v1/events/{id}/registration (one
// path, one validation), whose field errors are shown on the fields. Text
// is inserted as text, never as HTML.

import { editor, el } from "./organizer-editor.js";

const root = document.getElementById("questions-editor");
const S = JSON.parse(document.getElementById("questions-strings").textContent);
let questions = JSON.parse(document.getElementById("questions-data").textContent) || [];
const $ = (id) => document.getElementById(id);
const langs = Object.keys(S.langs);
const list = $("questions");
const { t, announce, outcome, clearErrors, answered } = editor(root, S, $("questions-status"));

// freshID returns an ID of prefix not taken in ids.
function freshID(prefix, ids) {
  let n = ids.length + 1;
  while (ids.includes(prefix + n)) n++;
  return prefix + n;
}

function choice(kind) {
  return kind === "choice" || kind === "choices";
}

// labelInputs are the inputs of one text in every language.
function labelInputs(text, field, caption, long, onInput) {
  return langs.map((l) => {
    const id = field.replace(/[^a-z0-9]+/gi, "-") + "-" + l;
    const input = el(long ? "textarea" : "input", { id, name: id, dir: "auto", value: text[l] || "", maxLength: long ? 4000 : 500,
      "data-field": field + "." + l, "aria-describedby": id + "-err" });
    if (!long) input.type = "text";
    input.lang = l;
    input.addEventListener("input", () => onInput(l, input.value));
    return el("p", { className: "field" }, el("label", { for: id, text: t(caption, { lang: S.langs[l] }) }), input,
      el("span", { className: "field-error", id: id + "-err", hidden: true }));
  });
}

function moveButtons(what, n, count, move, remove) {
  const b = (text, label, fn, disabled) => {
    const x = el("button", { type: "button", text: t(text), "aria-label": t(label, { n }), disabled });
    x.dataset.action = text;
    x.addEventListener("click", fn);
    return x;
  };
  return el("p", { className: "buttons" },
    b("up", what + "_up", () => move(-1), n === 1),
    b("down", what + "_down", () => move(1), n === count),
    b("remove", what + "_remove", remove));
}

// render draws every question again; focus, when given, is [question
// index, data-action] of the button to focus afterwards.
function render(focus) {
  list.replaceChildren();
  $("questions-none").hidden = questions.length > 0;
  questions.forEach((q, i) => {
    const n = i + 1;
    const field = "questions[" + i + "]";
    const kindID = "q-" + i + "-kind";
    const kind = el("select", { id: kindID, "data-field": field + ".kind" },
      ...["text", "choice", "choices", "consent"].map((k) => el("option", { value: k, text: t("kind_" + k), selected: q.kind === k })));
    kind.addEventListener("change", () => {
      q.kind = kind.value;
      if (choice(q.kind) && !(q.options || []).length) q.options = [{ id: "o1", label: {} }, { id: "o2", label: {} }];
      if (!choice(q.kind)) delete q.options;
      if (q.kind !== "text") delete q.max_runes;
      if (q.kind === "consent") q.required = true;
      render([i, "kind"]);
    });
    const fs = el("fieldset", { className: "question", id: "q-" + i, "data-field": field },
      el("legend", { text: t("number", { n, kind: t("kind_" + q.kind) }) }),
      el("p", { className: "field" }, el("label", { for: kindID, text: t("kind") }), kind),
      ...labelInputs(q.label || {}, field + ".label", q.kind === "consent" ? "consent_text" : "label", q.kind === "consent",
        (l, v) => { q.label = q.label || {}; if (v.trim()) q.label[l] = v; else delete q.label[l]; }));
    if (q.kind === "consent") {
      fs.append(el("p", { className: "note", text: t("consent_note") }));
    } else {
      const req = el("input", { type: "checkbox", id: "q-" + i + "-required", checked: !!q.required });
      req.addEventListener("change", () => { q.required = req.checked; });
      fs.append(el("p", {}, el("label", { className: "check", for: req.id }, req, " " + t("required"))));
    }
    if (choice(q.kind)) {
      const opts = el("ol", { className: "options" });
      q.options.forEach((o, j) => {
        const m = j + 1;
        const li = el("li", { "data-field": field + ".options[" + j + "]" },
          el("p", { className: "option-head", text: t("option", { n: m }) }),
          ...labelInputs(o.label || {}, field + ".options[" + j + "].label", "option_label", false,
            (l, v) => { o.label = o.label || {}; if (v.trim()) o.label[l] = v; else delete o.label[l]; }),
          moveButtons("option", m, q.options.length,
            (d) => { q.options.splice(j + d, 0, ...q.options.splice(j, 1)); render([i, "option", j + d, d < 0 ? "up" : "down"]); announce(t("option_moved", { n: j + d + 1 })); },
            () => { q.options.splice(j, 1); render([i, "add_option"]); announce(t("option_removed", { n: m })); }));
        opts.append(li);
      });
      const add = el("button", { type: "button", text: t("add_option") });
      add.dataset.action = "add_option";
      add.addEventListener("click", () => {
        q.options.push({ id: freshID("o", q.options.map((o) => o.id)), label: {} });
        render([i, "option", q.options.length - 1, "first"]);
        announce(t("option_added", { n: q.options.length }));
      });
      fs.append(el("fieldset", { className: "options-box", "data-field": field + ".options" }, el("legend", { text: t("options") }), opts, el("p", {}, add)));
    }
    fs.append(el("p", { className: "field-error", id: "q-" + i + "-err", hidden: true }));
    fs.append(moveButtons("question", n, questions.length,
      (d) => { questions.splice(i + d, 0, ...questions.splice(i, 1)); render([i + d, d < 0 ? "up" : "down"]); announce(t("moved", { n: i + d + 1 })); },
      () => { questions.splice(i, 1); render(questions.length ? [Math.min(i, questions.length - 1), "up"] : null); announce(t("removed", { n })); if (!questions.length) $("new-kind").focus(); }));
    list.append(el("li", {}, fs));
  });
  if (!focus) return;
  const [i, ...rest] = focus;
  const fs = $("q-" + i);
  if (!fs) return;
  let target;
  if (rest[0] === "kind") target = fs.querySelector("select");
  else if (rest[0] === "option") {
    const li = fs.querySelectorAll(".options > li")[rest[1]];
    target = li && (rest[2] === "first" ? li.querySelector("input") : li.querySelector('[data-action="' + rest[2] + '"]:not([disabled])') || li.querySelector("input"));
  } else if (rest[0] === "first") target = fs.querySelector("input, textarea");
  else target = fs.querySelector(':scope > p.buttons [data-action="' + rest[0] + '"]:not([disabled])') || fs.querySelector(":scope > p.buttons button:not([disabled])") || fs.querySelector('[data-action="' + rest[0] + '"]');
  if (target) target.focus();
}

$("add-question").addEventListener("click", () => {
  const kind = $("new-kind").value;
  const q = { id: freshID("q", questions.map((x) => x.id)), kind, label: {}, required: kind === "consent" };
  if (choice(kind)) q.options = [{ id: "o1", label: {} }, { id: "o2", label: {} }];
  questions.push(q);
  render([questions.length - 1, "first"]);
  announce(t("added", { n: questions.length }));
});

$("save-questions").addEventListener("click", async () => {
  clearErrors();
  outcome("saving", "");
  const base = "/api/v1/events/" + encodeURIComponent(root.dataset.event) + "/registration";
  const headers = { "X-CSRF-Token": root.dataset.csrf, Accept: "application/json" };
  const cur = await fetch(base, { headers, credentials: "same-origin" });
  if (cur.status !== 200) { outcome("failed", t("failed", { why: cur.status })); return; }
  const form = await cur.json();
  // The form this page showed, or the write would undo another's: a form
  // not stored yet (version 0) is created with If-Match: *, any other
  // written only over the version shown.
  if (String(form.version || 0) !== root.dataset.version) { outcome("conflict", t("conflict")); return; }
  form.questions = questions;
  const match = root.dataset.version === "0" ? "*" : '"r' + root.dataset.version + '"';
  const res = await fetch(base, { method: "PUT", credentials: "same-origin", body: JSON.stringify(form),
    headers: { ...headers, "Content-Type": "application/json", "If-Match": match } });
  const data = await res.json().catch(() => ({}));
  answered(res, data, () => {
    root.dataset.version = String(data.version);
    const v = document.querySelector('#reg-settings input[name="version"]');
    if (v) v.value = String(data.version);
    questions = data.questions || [];
    render(null);
  }, "questions", "q-");
});

root.hidden = false;
render(null);
