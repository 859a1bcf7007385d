// The polls prepared for a webinar, on the questions tab
// (organizer-questions.html): a question and 2 to 10 options in the
// languages the organizer needs, one choice or several; add and remove by
// buttons (keyboard); saved through the API's own PUT
// /api/v1/events/{id}/polls with If-Match (one path, one validation), so a
// change made meanwhile elsewhere is a conflict, never overwritten, and the
// API's field errors are shown on the fields in the page's language. Text
// is inserted as text, never as HTML.

import { editor, el } from "./organizer-editor.js";

const root = document.getElementById("polls-editor");
const S = JSON.parse(document.getElementById("prep-strings").textContent);
let polls = JSON.parse(document.getElementById("prep-data").textContent) || [];
const $ = (id) => document.getElementById(id);
const langs = Object.keys(S.langs);
const list = $("prep-polls");
const { t, announce, outcome, clearErrors, answered } = editor(root, S, $("prep-status"));

// freshID returns a poll ID not taken.
function freshID() {
  const ids = polls.map((p) => p.id);
  let n = ids.length + 1;
  while (ids.includes("poll-" + n)) n++;
  return "poll-" + n;
}

// textInputs are the inputs of one text in every language; onInput keeps
// a language's text, or drops it when emptied.
function textInputs(text, field, caption) {
  return langs.map((l) => {
    const id = field.replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "") + "-" + l;
    const input = el("input", { type: "text", id, name: id, dir: "auto", value: text[l] || "", maxLength: 300,
      "data-field": field + "." + l, "aria-describedby": id + "-err" });
    input.lang = l;
    input.addEventListener("input", () => { if (input.value.trim()) text[l] = input.value; else delete text[l]; });
    return el("p", { className: "field" }, el("label", { for: id, text: t(caption, { lang: S.langs[l] }) }), input,
      el("span", { className: "field-error", id: id + "-err", hidden: true }));
  });
}

function removeButton(label, fn) {
  const b = el("button", { type: "button", text: t("remove"), "aria-label": label });
  b.dataset.action = "remove";
  b.addEventListener("click", fn);
  return b;
}

// render draws every poll again; focus, when given, is [poll index, what]
// ("first": its first input, "add_option", "option" and an index).
function render(focus) {
  list.replaceChildren();
  $("prep-none").hidden = polls.length > 0;
  polls.forEach((p, i) => {
    const n = i + 1;
    const field = "polls[" + i + "]";
    p.question = p.question || {};
    p.options = p.options || [];
    const multiple = el("input", { type: "checkbox", id: "prep-" + i + "-multiple", checked: !!p.multiple });
    multiple.addEventListener("change", () => { p.multiple = multiple.checked; });
    const opts = el("ol", { className: "options" });
    p.options.forEach((o, j) => {
      const m = j + 1;
      opts.append(el("li", { "data-field": field + ".options[" + j + "]" },
        el("p", { className: "option-head", text: t("option", { n: m }) }),
        ...textInputs(o, field + ".options[" + j + "]", "option_label"),
        el("p", { className: "buttons" }, removeButton(t("option_remove", { n: m }), () => {
          p.options.splice(j, 1);
          render([i, "add_option"]);
          announce(t("option_removed", { n: m }));
        }))));
    });
    const add = el("button", { type: "button", text: t("add_option") });
    add.dataset.action = "add_option";
    add.addEventListener("click", () => {
      p.options.push({});
      render([i, "option", p.options.length - 1]);
      announce(t("option_added", { n: p.options.length }));
    });
    const fs = el("fieldset", { className: "question", id: "prep-" + i, "data-field": field },
      el("legend", { text: t("number", { n }) }),
      ...textInputs(p.question, field + ".question", "question"),
      el("p", {}, el("label", { className: "check", for: multiple.id }, multiple, " " + t("multiple"))),
      el("fieldset", { className: "options-box", "data-field": field + ".options" }, el("legend", { text: t("options") }), opts, el("p", {}, add)),
      el("p", { className: "field-error", id: "prep-" + i + "-err", hidden: true }),
      el("p", { className: "buttons" }, removeButton(t("poll_remove", { n }), () => {
        polls.splice(i, 1);
        render(polls.length ? [Math.min(i, polls.length - 1), "first"] : null);
        announce(t("removed", { n }));
        if (!polls.length) $("prep-add").focus();
      })));
    list.append(el("li", {}, fs));
  });
  if (!focus) return;
  const [i, what, j] = focus;
  const fs = $("prep-" + i);
  if (!fs) return;
  let target;
  if (what === "option") target = fs.querySelectorAll(".options > li")[j].querySelector("input");
  else if (what === "add_option") target = fs.querySelector('[data-action="add_option"]');
  else target = fs.querySelector("input");
  if (target) target.focus();
}

$("prep-add").addEventListener("click", () => {
  polls.push({ id: freshID(), question: {}, options: [{}, {}], multiple: false });
  render([polls.length - 1, "first"]);
  announce(t("added", { n: polls.length }));
});

$("prep-save").addEventListener("click", async () => {
  clearErrors();
  outcome("saving", "");
  const url = "/api/v1/events/" + encodeURIComponent(root.dataset.event) + "/polls";
  // Written only over the version this page showed ("pl0": none stored).
  const res = await fetch(url, { method: "PUT", credentials: "same-origin", body: JSON.stringify({ polls }),
    headers: { "X-CSRF-Token": root.dataset.csrf, Accept: "application/json", "Content-Type": "application/json",
      "If-Match": '"pl' + root.dataset.version + '"' } });
  const data = await res.json().catch(() => ({}));
  answered(res, data, () => {
    root.dataset.version = (res.headers.get("ETag") || "").replace(/[^0-9]/g, "");
    polls = data.polls || [];
    render(null);
  }, "polls", "prep-");
});

root.hidden = false;
render(null);
