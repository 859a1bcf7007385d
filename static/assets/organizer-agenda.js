// The agenda builder (organizer-agenda.html): a timeline of one event in
// its own zone (and the viewer's). Items are added, moved, resized and
// removed by dragging, by keyboard (arrows move by 5 minutes, Shift+arrows
// change the length, Enter edits, Delete removes) and in the item form;
// nothing needs dragging (WCAG 2.5.7). Every change is one write to the
// agenda API with the session's CSRF token and If-Match; a stale write
// (412) shows what others changed and offers to reapply the change on top.
// The last change can be undone. Text is inserted as text, never as HTML.

const root = document.getElementById("builder");
const S = JSON.parse(document.getElementById("builder-strings").textContent);
const $ = (id) => document.getElementById(id);
const eventID = root.dataset.event;
const csrf = root.dataset.csrf;
const zone = root.dataset.zone;
const viewerZone = root.dataset.viewerZone;
const uiLang = root.dataset.lang;
const evStart = Date.parse(root.dataset.start);
const evEnd = Date.parse(root.dataset.end);
const MIN = 60000;
const STEP = 5; // minutes: moves, resizes and drops snap to it
const base = "/api/v1/events/" + encodeURIComponent(eventID);

function t(key, args) {
  let s = S[key] || key;
  for (const [k, v] of Object.entries(args || {})) s = s.split("{" + k + "}").join(String(v));
  return s;
}

// ---- time in a zone ---------------------------------------------------

const partsFmt = new Map();
function parts(ms, tz) {
  if (!partsFmt.has(tz)) {
    partsFmt.set(tz, new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }));
  }
  const p = {};
  for (const x of partsFmt.get(tz).formatToParts(new Date(ms))) p[x.type] = x.value;
  return p;
}
// offset is tz's offset from UTC at ms, in milliseconds.
function offset(ms, tz) {
  const p = parts(ms, tz);
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute) - Math.floor(ms / MIN) * MIN;
}
// localInput is ms as a datetime-local value in the event's zone.
function localInput(ms) {
  const p = parts(ms, zone);
  return `${p.year}-${p.month}-${p.day}T${String(+p.hour % 24).padStart(2, "0")}:${p.minute}`;
}
// fromLocal reads a datetime-local value in the event's zone.
function fromLocal(v) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(v);
  if (!m) return NaN;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let ms = guess - offset(guess, zone);
  ms = guess - offset(ms, zone);
  return ms;
}
const hm = new Map();
function clock(ms, tz) {
  if (!hm.has(tz)) hm.set(tz, new Intl.DateTimeFormat(uiLang, { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
  return hm.get(tz).format(new Date(ms));
}
function span(it) {
  const s = Date.parse(it.start);
  return "\u2066" + clock(s, zone) + "–" + clock(s + it.duration * MIN, zone) + "\u2069";
}

// ---- state ------------------------------------------------------------

let items = []; // the agenda as last read (API JSON)
let etag = ""; // its ETag: every write is conditional on it
let undo = null; // the inverse of the last change, a change itself
let pending = null; // a change refused as stale, waiting for reapply or discard
let editing = null; // the item in the form (null: a new one)
// Writes run one after another, each on the agenda the last one read
// back: a key pressed twice quickly moves an item twice, never against a
// stale ETag of its own making.
let queue = Promise.resolve();
function enqueue(fn) {
  const next = queue.then(fn);
  queue = next.catch(() => false);
  return next;
}

function title(it) {
  const tt = it.title || {};
  return tt[uiLang] || tt.en || Object.values(tt).find(Boolean) || S.untitled;
}

function status(msg) {
  $("builder-status").textContent = msg;
}

async function api(method, path, body, ifMatch) {
  const headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  const res = await fetch(base + path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
  return { status: res.status, data, etag: res.headers.get("ETag") || "" };
}

async function load() {
  const r = await api("GET", "/agenda");
  if (r.status !== 200) throw new Error("load " + r.status);
  items = r.data.items;
  etag = r.etag;
  render();
  loadClashes();
}

async function loadClashes() {
  const r = await api("GET", "/clashes").catch(() => null);
  const ul = $("clash-list");
  ul.replaceChildren();
  if (!r || r.status !== 200) return;
  if (r.data.clashes.length === 0) {
    const li = document.createElement("li");
    li.textContent = S.no_clashes;
    ul.append(li);
  }
  for (const cl of r.data.clashes) {
    const li = document.createElement("li");
    const tt = cl.event.title;
    li.textContent = t("clash", { title: tt[uiLang] || tt.en || Object.values(tt)[0] || "", minutes: cl.overlap_minutes });
    ul.append(li);
  }
}

// ---- changes ----------------------------------------------------------
// A change is {type: "add", item} | {type: "patch", id, fields, before} |
// {type: "delete", item}; inverse() undoes it.

function inverse(ch, result) {
  switch (ch.type) {
    case "add":
      return { type: "delete", item: result };
    case "delete":
      return { type: "add", item: ch.item };
    default:
      return { type: "patch", id: ch.id, fields: ch.before, before: ch.fields };
  }
}

function describe(ch) {
  const it = ch.type === "patch" ? items.find((x) => x.id === ch.id) || ch.item || {} : ch.item;
  const key = { add: "your_add", patch: "your_change", delete: "your_delete" }[ch.type];
  return t(key, { title: title(it) });
}

// apply queues one change; it resolves to true when saved. A 412 keeps
// the change pending for the stale panel; a 422 shows its fields.
function apply(ch, how) {
  return enqueue(() => applyNow(ch, how));
}

async function applyNow(ch, how) {
  clearErrors();
  let r;
  try {
    if (ch.type === "add") {
      const body = { ...ch.item };
      delete body.end; // start and duration say it
      r = await api("POST", "/agenda/items", body, etag);
    } else if (ch.type === "patch") {
      r = await api("PATCH", "/agenda/items/" + encodeURIComponent(ch.id), ch.fields, etag);
    } else {
      r = await api("DELETE", "/agenda/items/" + encodeURIComponent(ch.item.id), undefined, etag);
    }
  } catch (e) {
    status(S.network);
    render();
    return false;
  }
  if (r.status === 412 && r.data.current) {
    stale(ch, r.data.current);
    return false;
  }
  if (r.status === 422 || r.status === 400) {
    showErrors(ch, r.data.error || {});
    render();
    return false;
  }
  if (r.status >= 300) {
    status(t("failed", { why: (r.data.error && r.data.error.message) || r.status }));
    render();
    return false;
  }
  const result = ch.type === "delete" ? ch.item : r.data;
  if (how !== "undo") {
    undo = inverse(ch, result);
  } else {
    undo = null;
  }
  $("undo").disabled = undo === null;
  await load();
  const msg = how === "undo" ? S.undone : how === "reapply" ? S.reapplied
    : ch.type === "add" ? t("added", { title: title(result) })
    : ch.type === "delete" ? t("removed", { title: title(result) })
    : t("moved", { title: title(result), time: span(result) });
  status(msg);
  return true;
}

// ---- stale writes -----------------------------------------------------

// canon is JSON with object keys sorted, to compare texts by value.
function canon(v) {
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
  if (v && typeof v === "object") return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}";
  return JSON.stringify(v);
}

function same(a, b) {
  return a.start === b.start && a.duration === b.duration && canon(a.title) === canon(b.title) &&
    a.kind === b.kind && !!a.parallel === !!b.parallel && (a.floor_language || "") === (b.floor_language || "") &&
    canon(a.speakers || []) === canon(b.speakers || []);
}

function stale(ch, current) {
  const before = new Map(items.map((x) => [x.id, x]));
  const now = new Map(current.items.map((x) => [x.id, x]));
  const ul = $("stale-changes");
  ul.replaceChildren();
  const line = (s) => {
    const li = document.createElement("li");
    li.textContent = s;
    ul.append(li);
  };
  for (const it of current.items) {
    const was = before.get(it.id);
    if (!was) line(t("stale_added", { title: title(it), time: span(it) }));
    else if (!same(was, it)) line(t("stale_changed", { title: title(it), time: span(it) }));
  }
  for (const it of items) if (!now.has(it.id)) line(t("stale_removed", { title: title(it) }));
  if (!ul.children.length) line(S.stale_none);
  if (ch.type === "patch") ch.item = before.get(ch.id);
  let yours = t("stale_yours", { what: describe(ch) });
  if (ch.type === "patch" && !now.has(ch.id)) yours += " " + t("stale_gone", { title: title(ch.item || {}) });
  $("stale-yours").textContent = yours;
  pending = ch;
  items = current.items;
  etag = current.etag;
  render();
  const box = $("stale");
  box.hidden = false;
  box.focus();
}

async function reapply() {
  const ch = pending;
  if (!ch) return;
  pending = null;
  $("stale").hidden = true;
  let again = ch;
  if (ch.type === "patch" && !items.some((x) => x.id === ch.id)) {
    // Removed meanwhile: reapplying the change adds the item again.
    const { id, ...rest } = { ...(ch.item || {}), ...ch.fields };
    again = { type: "add", item: { ...rest, id } };
  } else if (ch.type === "delete" && !items.some((x) => x.id === ch.item.id)) {
    status(S.reapplied);
    return;
  } else if (ch.type === "patch") {
    again = { ...ch, before: pick(items.find((x) => x.id === ch.id), Object.keys(ch.fields)) };
  }
  await apply(again, "reapply");
}

function discard() {
  pending = null;
  $("stale").hidden = true;
  status(S.discarded);
  $("add-item").focus();
}

function pick(it, keys) {
  const out = {};
  for (const k of keys) out[k] = it[k];
  return out;
}

// ---- errors (422 fields) ----------------------------------------------

function clearErrors() {
  for (const p of document.querySelectorAll("#item-form .field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const el of document.querySelectorAll("#item-form [aria-invalid]")) el.removeAttribute("aria-invalid");
  itemErrors = new Map();
}

let itemErrors = new Map(); // item ID (or "new") → messages

function message(field, why) {
  if (/^title/.test(field)) return S.err_title;
  if (/^start/.test(field)) return /overlap/.test(why) ? S.err_overlap : S.err_outside;
  if (/^(duration|end)/.test(field)) return S.err_duration;
  if (/^kind/.test(field)) return S.err_kind;
  if (/^floor_language/.test(field)) return S.err_floor;
  if (/^speakers/.test(field)) return S.err_speakers;
  return S.err_other;
}

// showErrors puts each field of a 422 next to the item it concerns: in the
// form when that item is being edited, on its block in the timeline.
function showErrors(ch, err) {
  const fields = err.fields || {};
  const order = ch.type === "add" ? [...items.map((x) => x.id), "new"] : items.map((x) => x.id);
  const mine = ch.type === "add" ? "new" : ch.type === "patch" ? ch.id : ch.item.id;
  let first = null;
  for (const [f, why] of Object.entries(fields)) {
    let id = mine;
    let rest = f;
    const m = /^items\[(\d+)\]\.(.*)$/.exec(f) || /^item\.(.*)$/.exec(f);
    if (m && m.length === 3) {
      id = order[+m[1]] || mine;
      rest = m[2];
    } else if (m) {
      rest = m[1];
    }
    const msg = message(rest, why);
    if (!itemErrors.has(id)) itemErrors.set(id, []);
    itemErrors.get(id).push(msg);
    const editingThis = !$("item-editor").hidden && ((editing === null && id === "new") || (editing && editing.id === id));
    if (editingThis) {
      const name = rest.replace(/\[\d+\].*$/, "").replace(/^(title\.[a-z]+).*$/, "$1");
      const input = document.querySelector(`#item-form [name="${CSS.escape(name)}"]`);
      const key = name.startsWith("title.") ? "title-" + name.slice(6) : name;
      const p = $("err-" + key) || $("err-other");
      p.textContent = p.textContent ? p.textContent + " " + msg : msg;
      p.hidden = false;
      if (input) {
        input.setAttribute("aria-invalid", "true");
        first = first || input;
      }
    }
  }
  const own = itemErrors.get(mine) || [];
  if (own.length && mine !== "new") {
    const it = items.find((x) => x.id === mine);
    status(t("err_concerns", { title: it ? title(it) : "", why: own.join(" ") }));
  } else if (own.length) {
    status(own.join(" "));
  } else {
    status(Object.values(fields).length ? [...itemErrors.values()].flat().join(" ") : t("failed", { why: err.message || "" }));
  }
  if (first) first.focus();
}

// ---- timeline ---------------------------------------------------------

const total = Math.max(STEP, (evEnd - evStart) / MIN);
const perMin = Math.min(4, Math.max(0.5, 1500 / total)); // px per minute
const px = (min) => min * perMin;

function axisStep() {
  for (const s of [15, 30, 60, 120, 240, 360, 720, 1440]) if (px(s) >= 36) return s;
  return 1440;
}

function lanes(list) {
  // Overlapping items share a cluster; each gets a lane side by side.
  const sorted = [...list].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const out = new Map();
  let cluster = [];
  let clusterEnd = 0;
  const flush = () => {
    const ends = [];
    for (const it of cluster) {
      const s = Date.parse(it.start);
      let lane = ends.findIndex((e) => e <= s);
      if (lane < 0) lane = ends.length;
      ends[lane] = s + it.duration * MIN;
      out.set(it.id, { lane, of: 0 });
    }
    for (const it of cluster) out.get(it.id).of = ends.length;
    cluster = [];
  };
  for (const it of sorted) {
    const s = Date.parse(it.start);
    const e = s + it.duration * MIN;
    if (cluster.length && s >= clusterEnd) flush();
    cluster.push(it);
    clusterEnd = cluster.length === 1 ? e : Math.max(clusterEnd, e);
  }
  if (cluster.length) flush();
  return out;
}

function render() {
  const tl = $("timeline");
  tl.style.blockSize = px(total) + "px";
  const axis = $("axis");
  axis.replaceChildren();
  const step = axisStep();
  const first = Math.ceil(evStart / (step * MIN)) * step * MIN;
  for (let ms = first; ms <= evEnd; ms += step * MIN) {
    const li = document.createElement("li");
    li.style.insetBlockStart = px((ms - evStart) / MIN) + "px";
    const own = document.createElement("span");
    own.textContent = clock(ms, zone);
    li.append(own);
    if (viewerZone && viewerZone !== zone) {
      const v = document.createElement("span");
      v.className = "viewer";
      v.textContent = clock(ms, viewerZone);
      li.append(v);
    }
    axis.append(li);
  }
  const ol = $("items");
  const was = document.activeElement && document.activeElement.closest && document.activeElement.closest(".tl-item");
  const focused = was ? was.dataset.item : null;
  ol.replaceChildren();
  const lane = lanes(items);
  for (const it of items) {
    const s = Date.parse(it.start);
    const li = document.createElement("li");
    li.className = "tl-item kind-" + it.kind + (it.kind === "standing" ? " standing" : "") + (it.parallel ? " parallel" : "");
    li.dataset.item = it.id;
    // The list stays a list; the item's body is its control.
    const body = document.createElement("div");
    body.className = "tl-body";
    body.tabIndex = 0;
    body.setAttribute("role", "button");
    const l = lane.get(it.id);
    li.style.insetBlockStart = px((s - evStart) / MIN) + "px";
    li.style.blockSize = Math.max(px(it.duration), 22) + "px";
    li.style.insetInlineStart = (l.lane * 100) / l.of + "%";
    li.style.inlineSize = `calc(${100 / l.of}% - 4px)`;
    const head = document.createElement("span");
    head.className = "tl-time";
    head.textContent = span(it);
    const name = document.createElement("span");
    name.className = "tl-title";
    name.textContent = title(it);
    body.append(head, " ", name);
    const notes = [t("minutes", { n: it.duration })];
    if (it.kind === "standing") notes.push(S.standing);
    if (it.parallel) notes.push(S.parallel);
    if (it.floor_language) notes.push(t("floor", { lang: it.floor_language }));
    const sp = (it.speakers || []).map((x) => x[uiLang] || x.en || Object.values(x)[0]).filter(Boolean);
    const meta = document.createElement("span");
    meta.className = "tl-meta";
    meta.textContent = [...notes, ...sp].join(" · ");
    body.append(" ", meta);
    if (it.kind === "standing") {
      const b = document.createElement("span");
      b.className = "badge standing";
      b.textContent = S.standing;
      body.prepend(b, " ");
    }
    const errs = itemErrors.get(it.id);
    if (errs && errs.length) {
      const e = document.createElement("span");
      e.className = "tl-error field-error";
      e.id = "tl-err-" + it.id;
      e.textContent = errs.join(" ");
      body.append(" ", e);
      body.setAttribute("aria-describedby", e.id);
      li.classList.add("invalid");
    }
    body.setAttribute("aria-roledescription", S.item_help);
    li.append(body);
    const grip = document.createElement("span");
    grip.className = "grip";
    grip.setAttribute("aria-hidden", "true");
    li.append(grip);
    ol.append(li);
    if (focused === it.id) body.focus();
  }
}

// ---- keyboard on the timeline -----------------------------------------

$("items").addEventListener("keydown", (ev) => {
  const li = ev.target.closest(".tl-item");
  if (!li) return;
  const id = li.dataset.item;
  const it = items.find((x) => x.id === id);
  if (!it) return;
  switch (ev.key) {
    case "ArrowUp":
    case "ArrowDown": {
      ev.preventDefault();
      const d = ev.key === "ArrowUp" ? -STEP : STEP;
      const longer = ev.shiftKey;
      // Computed when its turn comes, from the agenda as then read.
      enqueue(() => {
        const cur = items.find((x) => x.id === id);
        if (!cur || pending) return false;
        const fields = longer ? { duration: Math.max(STEP, cur.duration + d) }
          : { start: new Date(Date.parse(cur.start) + d * MIN).toISOString() };
        return applyNow({ type: "patch", id, fields, before: pick(cur, Object.keys(fields)) });
      }).then(() => pending || focusItem(id));
      return;
    }
    case "Enter":
    case " ":
      ev.preventDefault();
      openForm(it);
      return;
    case "Delete":
    case "Backspace":
      ev.preventDefault();
      apply({ type: "delete", item: it }).then((ok) => ok && !pending && focusItem(null));
      return;
  }
});

function focusItem(id) {
  const el = id && document.querySelector(`.tl-item[data-item="${CSS.escape(id)}"] .tl-body`);
  if (el) el.focus();
  else $("add-item").focus();
}

// ---- dragging (a pointer alternative to the keyboard and the form) -----

const snap = (min) => Math.round(min / STEP) * STEP;
let drag = null;
let dragged = false; // the click that ends a drag opens nothing

$("items").addEventListener("pointerdown", (ev) => {
  const li = ev.target.closest(".tl-item");
  if (!li || ev.button !== 0) return;
  const it = items.find((x) => x.id === li.dataset.item);
  drag = { li, it, y: ev.clientY, resize: ev.target.classList.contains("grip"), moved: false };
  li.setPointerCapture(ev.pointerId);
});
$("items").addEventListener("pointermove", (ev) => {
  if (!drag || !drag.li) return;
  const d = snap((ev.clientY - drag.y) / perMin);
  drag.moved = drag.moved || d !== 0;
  drag.d = d;
  const s = (Date.parse(drag.it.start) - evStart) / MIN;
  if (drag.resize) drag.li.style.blockSize = Math.max(px(STEP), px(drag.it.duration + d)) + "px";
  else drag.li.style.insetBlockStart = px(s + d) + "px";
});
$("items").addEventListener("pointerup", () => {
  if (!drag || !drag.li) return;
  const { it, d, resize, moved } = drag;
  drag = null;
  dragged = moved;
  if (!moved || !d) {
    render();
    return;
  }
  const fields = resize ? { duration: Math.max(STEP, it.duration + d) }
    : { start: new Date(Date.parse(it.start) + d * MIN).toISOString() };
  apply({ type: "patch", id: it.id, fields, before: pick(it, Object.keys(fields)) });
});
$("items").addEventListener("click", (ev) => {
  const li = ev.target.closest(".tl-item");
  if (dragged) {
    dragged = false;
    return;
  }
  if (li) openForm(items.find((x) => x.id === li.dataset.item));
});

// A kind from the palette dropped on the timeline adds a 15-minute item
// of that kind there (titled with the kind's name, to be edited).
let ghost = null;
for (const chip of document.querySelectorAll("#palette .chip")) {
  chip.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    ev.preventDefault();
    chip.setPointerCapture(ev.pointerId);
    ghost = { kind: chip.dataset.kind, el: chip.cloneNode(true) };
    ghost.el.classList.add("ghost");
    document.body.append(ghost.el);
    moveGhost(ev);
  });
  chip.addEventListener("pointermove", (ev) => ghost && moveGhost(ev));
  chip.addEventListener("pointerup", (ev) => {
    if (!ghost) return;
    const kind = ghost.kind;
    ghost.el.remove();
    ghost = null;
    const r = $("timeline").getBoundingClientRect();
    if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom) return;
    const at = Math.min(snap((ev.clientY - r.top) / perMin), total - 15);
    const start = new Date(evStart + Math.max(0, at) * MIN).toISOString();
    apply({ type: "add", item: { title: { [uiLang]: S.kinds[kind] }, kind, start, duration: Math.min(15, total), speakers: [] } });
  });
}
function moveGhost(ev) {
  ghost.el.style.insetInlineStart = "auto";
  ghost.el.style.left = ev.clientX + 4 + "px";
  ghost.el.style.top = ev.clientY + 4 + "px";
}

// ---- the item form ----------------------------------------------------

const form = $("item-form");

function nextFree() {
  let end = evStart;
  for (const it of items) if (!it.parallel) end = Math.max(end, Date.parse(it.start) + it.duration * MIN);
  return Math.min(end, evEnd - STEP * MIN);
}

function openForm(it) {
  editing = it || null;
  clearErrors();
  $("item-editor").hidden = false;
  $("editor-h").textContent = it ? t("edit", { title: title(it) }) : S.new;
  $("item-delete").hidden = !it;
  for (const input of form.querySelectorAll('[name^="title."]')) input.value = (it && it.title[input.name.slice(6)]) || "";
  form.elements.kind.value = it ? it.kind : "presentation";
  form.elements.start.value = localInput(it ? Date.parse(it.start) : nextFree());
  form.elements.duration.value = it ? it.duration : Math.min(15, Math.max(STEP, (evEnd - nextFree()) / MIN));
  form.elements.floor_language.value = (it && it.floor_language) || "";
  form.elements.parallel.checked = !!(it && it.parallel);
  form.elements.speakers.value = it ? (it.speakers || []).map((x) => x[uiLang] || x.en || Object.values(x)[0] || "").join("\n") : "";
  const first = form.querySelector(`[name="title.${uiLang}"]`) || form.querySelector('[name^="title."]');
  first.focus();
}

function closeForm() {
  const id = editing && editing.id;
  editing = null;
  $("item-editor").hidden = true;
  clearErrors();
  focusItem(id);
}

// formItem reads the form as API fields.
function formItem() {
  const titleText = {};
  for (const input of form.querySelectorAll('[name^="title."]')) {
    if (input.value.trim()) titleText[input.name.slice(6)] = input.value.trim();
  }
  const old = editing ? editing.speakers || [] : [];
  const oldShown = old.map((x) => x[uiLang] || x.en || Object.values(x)[0] || "");
  const speakers = form.elements.speakers.value.split("\n").map((s) => s.trim()).filter(Boolean)
    .map((s) => { const i = oldShown.indexOf(s); return i >= 0 ? old[i] : { [uiLang]: s }; });
  const start = fromLocal(form.elements.start.value);
  return {
    title: titleText, kind: form.elements.kind.value,
    start: isNaN(start) ? form.elements.start.value : new Date(start).toISOString(),
    duration: parseInt(form.elements.duration.value, 10) || 0,
    floor_language: form.elements.floor_language.value, parallel: form.elements.parallel.checked, speakers,
  };
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = formItem();
  let ok;
  if (!editing) {
    ok = await apply({ type: "add", item: f });
  } else {
    const cur = {
      title: editing.title, kind: editing.kind, start: editing.start, duration: editing.duration,
      floor_language: editing.floor_language || "", parallel: !!editing.parallel, speakers: editing.speakers || [],
    };
    const fields = {};
    for (const [k, v] of Object.entries(f)) {
      const changed = k === "start" ? Date.parse(v) !== Date.parse(cur.start) : canon(v) !== canon(cur[k]);
      if (changed) fields[k] = v;
    }
    if (fields.title) {
      // The API merges titles per language: an emptied language is "".
      for (const l of Object.keys(editing.title)) if (!(l in fields.title)) fields.title[l] = "";
    }
    if (!Object.keys(fields).length) {
      closeForm();
      return;
    }
    ok = await apply({ type: "patch", id: editing.id, fields, before: pick(editing, Object.keys(fields)) });
  }
  if (ok) closeForm();
});
$("item-cancel").addEventListener("click", closeForm);
$("item-delete").addEventListener("click", async () => {
  if (editing && (await apply({ type: "delete", item: editing }))) {
    editing = null;
    $("item-editor").hidden = true;
    $("add-item").focus();
  }
});
$("add-item").addEventListener("click", () => openForm(null));
$("undo").addEventListener("click", async () => {
  if (!undo) {
    status(S.nothing_to_undo);
    return;
  }
  await apply(undo, "undo");
});
document.addEventListener("keydown", (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && ev.key === "z" && !ev.target.closest("input, textarea, select") && undo) {
    ev.preventDefault();
    apply(undo, "undo");
  }
  if (ev.key === "Escape" && !$("item-editor").hidden) closeForm();
});
$("stale-reapply").addEventListener("click", reapply);
$("stale-discard").addEventListener("click", discard);

load().catch(() => status(S.network));
