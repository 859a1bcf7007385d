// What the organizer app's list editors share (organizer-registrations.js,
// organizer-polls.js): the page's texts, elements built with text (never
// HTML), the status line with the save's outcome, and the API's field
// errors shown on the fields they name.

// el makes a tag with props (text: its text; data-, aria- and for:
// attributes; others: properties) and children.
export function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "text") e.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "for") e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children.filter(Boolean));
  return e;
}

// editor serves the editor in root, with the texts S and the status line
// status: t(key, args), announce(msg), outcome(state, msg) (also
// root.dataset.saved: saving, saved, conflict, invalid or failed),
// clearErrors() and showErrors(fields, item).
export function editor(root, S, status) {
  const t = (key, args) => {
    let s = S[key] || key;
    for (const [k, v] of Object.entries(args || {})) s = s.split("{" + k + "}").join(String(v));
    return s;
  };
  const announce = (msg) => { status.textContent = msg; };
  const outcome = (state, msg) => { root.dataset.saved = state; announce(msg); };
  const clearErrors = () => {
    for (const e of root.querySelectorAll(".field-error")) { e.hidden = true; e.textContent = ""; }
    for (const e of root.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
  };
  // showErrors marks the inputs of the fields the API named ("x[2].label"
  // names the inputs "x[2].label.ar" …), with t("field"), and focuses the
  // first; a field without inputs of its own ("x[2].options": how many)
  // is shown with t("field_at") on its item, the element whose id is
  // itemID and the item's index (its error line: that id and "-err").
  const showErrors = (fields, list, itemID) => {
    let first = null;
    for (const name of Object.keys(fields).sort()) {
      const inputs = [...root.querySelectorAll("input[data-field], textarea[data-field], select[data-field]")]
        .filter((e) => e.dataset.field === name || e.dataset.field.startsWith(name + "."));
      if (inputs.length) {
        for (const input of inputs) {
          input.setAttribute("aria-invalid", "true");
          const err = document.getElementById(input.getAttribute("aria-describedby"));
          if (err) { err.textContent = t("field"); err.hidden = false; }
        }
        first = first || inputs[0];
        continue;
      }
      const m = name.startsWith(list + "[") && /^\[(\d+)\]/.exec(name.slice(list.length));
      const err = m && document.getElementById(itemID + m[1] + "-err");
      if (err) {
        err.textContent = t("field_at", { n: Number(m[1]) + 1 });
        err.hidden = false;
        first = first || document.getElementById(itemID + m[1]).querySelector("input, textarea, select");
      }
    }
    if (first) first.focus();
  };
  // answered shows what a PUT answered (res, its body data): saved runs
  // on a 200; a 412 is a conflict; a 422's fields are shown (showErrors
  // with list and itemID).
  const answered = (res, data, saved, list, itemID) => {
    if (res.status === 200) {
      saved();
      outcome("saved", t("saved"));
    } else if (res.status === 412) {
      outcome("conflict", t("conflict"));
    } else if (res.status === 422 && data.error && data.error.fields) {
      showErrors(data.error.fields, list, itemID);
      outcome("invalid", t("invalid"));
    } else {
      outcome("failed", t("failed", { why: res.status }));
    }
  };
  return { t, announce, outcome, clearErrors, answered };
}
