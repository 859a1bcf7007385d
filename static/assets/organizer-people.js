// The People tab (organizer-people.html): invite a person to the event's
// room, list the invitations with their state, revoke one, or resend it (a
// fresh link for the same person; the old link stops working). A link is
// shown only when it is made, since only its hash is kept; it is the page
// the person opens, and can be copied. Text is inserted as text, never as
// HTML.

const root = document.getElementById("people");
const S = JSON.parse(document.getElementById("people-strings").textContent);
const $ = (id) => document.getElementById(id);
const base = "/api/v1/events/" + encodeURIComponent(root.dataset.event) + "/invites";
const form = $("invite-form");

function t(key, args) {
  let s = S[key] || key;
  for (const [k, v] of Object.entries(args || {})) s = s.split("{" + k + "}").join(String(v));
  return s;
}

async function api(method, path, body) {
  const headers = { "X-CSRF-Token": root.dataset.csrf, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(base + path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
  return { status: res.status, data };
}

function status(msg) {
  $("people-status").textContent = msg;
}

function showLink(inv) {
  $("new-link-for").textContent = t("link_for", { name: inv.name, role: S.roles[inv.role] || inv.role });
  $("new-link-url").textContent = inv.url;
  $("new-link").hidden = false;
  $("copy-link").focus();
}

$("copy-link").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("new-link-url").textContent);
    status(S.copied);
  } catch (e) {
    // Without clipboard access, select the link for the person to copy.
    const range = document.createRange();
    range.selectNodeContents($("new-link-url"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    status(S.copy_failed);
  }
});

function button(label, aria, fn) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", aria);
  b.addEventListener("click", fn);
  return b;
}

async function list() {
  const r = await api("GET", "");
  if (r.status !== 200) {
    status(t("failed", { why: r.status }));
    return;
  }
  // A resent invitation is replaced by its successor: list the person once.
  const replaced = new Set(r.data.invites.map((x) => x.replaces).filter(Boolean));
  const shown = r.data.invites.filter((x) => !replaced.has(x.id));
  const tbody = document.querySelector("#invites tbody");
  tbody.replaceChildren();
  $("invites-none").hidden = shown.length > 0;
  $("invites").hidden = shown.length === 0;
  for (const inv of shown) {
    const tr = document.createElement("tr");
    tr.id = "invite-" + inv.id;
    tr.dataset.state = inv.state;
    const cell = (text) => {
      const td = document.createElement("td");
      const b = document.createElement("bdi");
      b.textContent = text;
      td.append(b);
      tr.append(td);
      return td;
    };
    cell(inv.name + (inv.institution ? " (" + inv.institution + ")" : ""));
    cell(S.roles[inv.role] || inv.role);
    const langs = inv.languages.map((l) => S.langs[l] || l).join(", ");
    cell(inv.booth ? t("booth", { lang: S.langs[inv.booth] || inv.booth }) + (langs ? " · " + langs : "") : langs);
    cell(S["state_" + inv.state] || inv.state);
    const td = document.createElement("td");
    if (inv.state !== "removed") {
      td.append(
        button(S.resend, S.resend + ": " + inv.name, () => resend(inv)), " ",
        button(S.revoke, S.revoke + ": " + inv.name, () => revoke(inv)),
      );
    }
    tr.append(td);
    tbody.append(tr);
  }
}

async function resend(inv) {
  const r = await api("POST", "/" + encodeURIComponent(inv.id) + "/resend");
  if (r.status !== 201) {
    status(t("failed", { why: (r.data.error && r.data.error.message) || r.status }));
    return;
  }
  await list();
  showLink(r.data);
}

async function revoke(inv) {
  if (!confirm(t("confirm_revoke", { name: inv.name }))) return;
  const r = await api("DELETE", "/" + encodeURIComponent(inv.id));
  if (r.status !== 204) {
    status(t("failed", { why: (r.data.error && r.data.error.message) || r.status }));
    return;
  }
  await list();
  status(t("revoked", { name: inv.name }));
}

function clearErrors() {
  for (const p of form.querySelectorAll(".field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearErrors();
  const body = {
    role: form.elements.role.value, name: form.elements.name.value.trim(), institution: form.elements.institution.value.trim(),
    languages: [...form.querySelectorAll('[name="languages"]:checked')].map((x) => x.value),
  };
  if (form.elements.booth.value) body.booth = form.elements.booth.value;
  const r = await api("POST", "", body);
  if (r.status === 201) {
    form.reset();
    await list();
    status(t("invited", { name: r.data.name }));
    showLink(r.data);
    return;
  }
  const fields = (r.data.error && r.data.error.fields) || {};
  let first = null;
  for (const f of Object.keys(fields)) {
    const name = f.replace(/\[\d+\]$/, "");
    const p = $("err-" + name) || $("err-expires_in");
    p.textContent = S["err_" + name] || S.err_other;
    p.hidden = false;
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  if (!Object.keys(fields).length) status(t("failed", { why: (r.data.error && r.data.error.message) || r.status }));
  if (first) first.focus();
});

list().catch(() => status(t("failed", { why: "" })));
