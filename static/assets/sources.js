// The organizer page of regional calendar sources (/organizer/sources):
// it reads /api/v1/sources with the organizer's API token, kept in this
// tab's sessionStorage only, and shows each source's sync status. Every
// value from the API is set as text, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("sources-login");
  if (!form) return;
  var input = document.getElementById("sources-token");
  var table = document.getElementById("sources");
  var body = table.querySelector("tbody");
  var msg = document.getElementById("sources-msg");
  var words = document.getElementById("sources-l10n");
  // l10n("state-ok") is the data-state-ok attribute: the page's words.
  function l10n(name) { return words.getAttribute("data-" + name); }
  var lang = document.documentElement.lang || "en";
  var tz = document.body.dataset.tz || undefined;
  var KEY = "majlis.organizer-token";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? String(values[k]) : m; });
  }
  function when(iso) {
    if (!iso) return l10n("never");
    try {
      return new Date(iso).toLocaleString(lang, { timeZone: tz, dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      return iso;
    }
  }
  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function button(td, label, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", action);
    td.appendChild(b);
  }
  function api(method, path) {
    return fetch(path, { method: method, headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY) }, credentials: "omit" })
      .then(function (r) {
        if (r.status === 401) throw new Error(l10n("unauthorized"));
        return r.json().then(function (j) {
          if (!r.ok) throw new Error((j.error && j.error.message) || l10n("failed"));
          return j;
        });
      });
  }
  function render(sources) {
    body.textContent = "";
    table.hidden = sources.length === 0;
    msg.textContent = sources.length === 0 ? l10n("none") : "";
    sources.forEach(function (s) {
      var st = s.status;
      var row = document.createElement("tr");
      row.id = "source-" + s.id;
      var name = cell(row, s.name);
      var url = document.createElement("div");
      url.className = "note";
      url.dir = "ltr";
      url.textContent = s.url;
      name.appendChild(url);
      cell(row, l10n("region-" + s.region) || s.region);
      var state = l10n("state-" + st.state) || st.state;
      if (s.paused) state += " · " + l10n("paused");
      if (st.progress) state += " · " + fill(l10n("progress"), st.progress);
      cell(row, state, "state " + st.state);
      cell(row, when(st.last_fetch), "time");
      cell(row, when(st.next_fetch), "time");
      var result = fill(l10n("changes"), { added: st.added, updated: st.updated, cancelled: st.cancelled });
      if (st.pending_cancel) result += " · " + fill(l10n("pending"), { n: st.pending_cancel });
      if (s.conflicts.length) result += " · " + fill(l10n("conflicts"), { n: s.conflicts.length });
      cell(row, result);
      cell(row, st.last_error || "", "error");
      var actions = cell(row, "");
      button(actions, l10n("sync"), function () { act("POST", "/api/v1/sources/" + encodeURIComponent(s.id) + "/sync"); });
      if (st.state === "needs_confirmation") {
        button(actions, l10n("confirm"), function () { act("POST", "/api/v1/sources/" + encodeURIComponent(s.id) + "/confirm"); });
      }
      body.appendChild(row);
    });
  }
  function load() {
    return api("GET", "/api/v1/sources").then(function (j) { render(j.sources); })
      .catch(function (e) { table.hidden = true; msg.textContent = e.message; });
  }
  function act(method, path) {
    api(method, path).then(load).catch(function (e) { msg.textContent = e.message; });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    input.value = "";
    load();
  });
  if (sessionStorage.getItem(KEY)) load();
})();
