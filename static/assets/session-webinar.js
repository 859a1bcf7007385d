// Webinar controls on the session page (issue 16): hosts put a webinar
// in practice mode (only the stage and interpreters are admitted), start
// it, and open the chat and raised hands to attendees. Attendees refused during practice mode see "starting
// soon" and enter on their own (session.js retries on close code 4011).
(function () {
  "use strict";
  const s = window.majlisSession;
  const panel = document.getElementById("webinar-host");
  if (!s || !panel) {
    return;
  }
  const state = document.getElementById("webinar-state");
  const practice = document.getElementById("webinar-practice");
  const start = document.getElementById("webinar-start");
  const chat = document.getElementById("webinar-chat");
  const hands = document.getElementById("webinar-hands");
  let webinar = { practice: false, started: false };

  function render() {
    const me = s.me();
    panel.hidden = !me || me.role !== "host";
    practice.hidden = webinar.started || webinar.practice;
    start.hidden = webinar.started;
    chat.checked = !!webinar.chat_open;
    hands.checked = !!webinar.hands_allowed;
    if (webinar.started) {
      state.textContent = s.t("js.webinar.started");
    } else if (webinar.practice) {
      state.textContent = s.t("js.webinar.in_practice");
    } else {
      state.textContent = s.t("js.webinar.open");
    }
  }

  // "enter" fires inside session.js's own handling of the welcome, before
  // this hook has read the welcome's webinar state: render on both.
  s.on("welcome", function (d) {
    if (d && d.webinar) {
      webinar = d.webinar;
    }
    render();
  });
  s.on("enter", render);
  s.on("webinar", function (d) {
    webinar = d;
    render();
    s.announce(state.textContent);
  });
  practice.addEventListener("click", function () { s.send("webinar.practice"); });
  start.addEventListener("click", function () { s.send("webinar.start"); });
  chat.addEventListener("change", function () { s.send("webinar.settings", { chat_open: chat.checked }); });
  hands.addEventListener("change", function () { s.send("webinar.settings", { hands_allowed: hands.checked }); });
})();

// A webinar's questions and polls on the session page (issue 16): attendees
// ask (anonymously when the host allows it), vote questions up once, and
// answer polls; hosts and panelists answer, mark answered live, show, hold
// or dismiss questions; hosts create polls (live or prepared), open, close
// and share them. Everything comes from the room: the welcome's qa, then
// question, qa, poll and poll.results messages.
(function () {
  "use strict";
  const s = window.majlisSession;
  const qaPanel = document.getElementById("qa");
  const pollPanel = document.getElementById("polls");
  if (!s || !qaPanel || !pollPanel) {
    return;
  }
  const $ = function (id) { return document.getElementById(id); };
  const lang = document.documentElement.lang || "en";
  let qa = null; // the welcome's qa; null outside webinars
  let mine = new Set(), voted = new Set(), answered = new Set();
  const tallies = new Map();

  // Labels, named literally so that the catalogs' check finds them.
  const statusLabel = { held: "js.qa.status.held", open: "js.qa.status.open", answered: "js.qa.status.answered", dismissed: "js.qa.status.dismissed" };
  const stateLabel = { draft: "js.poll.state.draft", open: "js.poll.state.open", closed: "js.poll.state.closed" };
  function me() { return s.me() || {}; }
  function stage() { const r = me().role; return r === "host" || r === "speaker"; }
  function host() { return me().role === "host"; }
  function attendee() { const r = me().role; return r === "participant" || r === "delegate"; }
  function text(t) {
    if (!t) { return ""; }
    if (typeof t === "string") { return t; }
    for (const l of [lang, "en", "fr", "es", "ar"]) { if (t[l]) { return t[l]; } }
    const any = Object.values(t);
    return any.length ? any[0] : "";
  }
  function el(tag, attrs, kids) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function (kv) {
      if (kv[0] === "text") { e.textContent = kv[1]; } else { e.setAttribute(kv[0], kv[1]); }
    });
    (kids || []).forEach(function (k) { if (k) { e.appendChild(k); } });
    return e;
  }
  function button(label, fn, attrs) {
    const b = el("button", Object.assign({ type: "button", text: label }, attrs || {}));
    b.addEventListener("click", fn);
    return b;
  }

  function upsert(list, item) {
    const i = list.findIndex(function (x) { return x.id === item.id; });
    if (i < 0) { list.push(item); } else { list[i] = Object.assign({}, list[i], item); }
  }

  // keepFocus re-renders with fn and puts the focus back on the control
  // that had it (controls have stable ids), so keyboard users stay put.
  function keepFocus(fn) {
    const id = document.activeElement && document.activeElement.id;
    fn();
    const back = id && document.getElementById(id);
    if (back && back !== document.activeElement) { back.focus(); }
  }

  function renderQuestions() { keepFocus(drawQuestions); }
  function renderPolls() { keepFocus(drawPolls); }

  function drawQuestions() {
    const list = $("qa-list");
    const items = [];
    const order = $("qa-sort").value;
    const qs = qa.questions.filter(function (q) {
      return stage() || q.status === "open" || q.status === "answered" || mine.has(q.id);
    }).slice().sort(function (a, b) {
      if (order === "votes" && a.votes !== b.votes) { return b.votes - a.votes; }
      return order === "time" ? (a.asked < b.asked ? 1 : -1) : (a.asked < b.asked ? -1 : 1);
    });
    $("qa-none").hidden = qs.length > 0;
    qs.forEach(function (q) {
      const who = q.name ? q.name : s.t("js.qa.anonymous");
      const li = el("li", { id: "q-" + q.id, class: "qa-item qa-" + q.status }, [
        el("p", { class: "qa-text" }, [el("bdi", { text: q.text })]),
        el("p", { class: "note" }, [el("bdi", { text: who }), document.createTextNode(" · " + s.t(statusLabel[q.status]) + " · " + s.t("js.qa.votes", { n: q.votes }))]),
      ]);
      if (q.status === "answered") {
        li.appendChild(el("p", { class: "qa-answer" }, [document.createTextNode(q.live ? s.t("js.qa.answered_live") : ""),
          q.live ? null : el("bdi", { text: q.answer }), q.answered_by ? el("span", { class: "note", text: " — " + q.answered_by }) : null]));
      }
      const acts = el("p", { class: "buttons" });
      if ((q.status === "open" || q.status === "answered") && me().role !== "interpreter" && me().role !== "observer") {
        const has = voted.has(q.id);
        // A vote's message names nobody: the page marks its own at once
        // (a second one would be refused), and the welcome lists them.
        acts.appendChild(button(has ? s.t("js.qa.voted") : s.t("js.qa.vote"), function () {
          if (voted.has(q.id)) { return; }
          s.send("question.vote", { id: q.id });
          voted.add(q.id);
          renderQuestions();
          s.announce(s.t("js.qa.voted"));
        },
          { id: "q-" + q.id + "-vote", "aria-pressed": has ? "true" : "false", "aria-label": (has ? s.t("js.qa.voted") : s.t("js.qa.vote")) + ": " + q.text.slice(0, 60) }));
        if (has) { acts.lastChild.setAttribute("aria-disabled", "true"); } // still focusable
      }
      if (stage()) {
        const label = function (k) { return { id: "q-" + q.id + "-" + k.split(".").pop(), "aria-label": s.t(k) + ": " + q.text.slice(0, 60) }; };
        if (q.status !== "dismissed") {
          const id = "qa-answer-" + q.id;
          acts.appendChild(el("label", { for: id, class: "visually-hidden", text: s.t("js.qa.answer_label") }));
          acts.appendChild(el("input", { type: "text", id: id, maxlength: "2000" }));
          acts.appendChild(button(s.t("js.qa.answer"), function () {
            const input = $(id); // the field on the page now (redraw keeps it)
            if (input && input.value.trim()) {
              s.send("question.answer", { id: q.id, text: input.value });
              input.value = ""; // sent: the field is kept for the next answer
            }
          }, label("js.qa.answer")));
          acts.appendChild(button(s.t("js.qa.answer_live"), function () { s.send("question.answer", { id: q.id, live: true }); }, label("js.qa.answer_live")));
        }
        if (q.status !== "open") { acts.appendChild(button(s.t("js.qa.show"), function () { s.send("question.moderate", { id: q.id, status: "open" }); }, label("js.qa.show"))); }
        if (q.status !== "held") { acts.appendChild(button(s.t("js.qa.hold"), function () { s.send("question.moderate", { id: q.id, status: "held" }); }, label("js.qa.hold"))); }
        if (q.status !== "dismissed") { acts.appendChild(button(s.t("js.qa.dismiss"), function () { s.send("question.moderate", { id: q.id, status: "dismissed" }); }, label("js.qa.dismiss"))); }
      }
      if (acts.childNodes.length) { li.appendChild(acts); }
      items.push(li);
    });
    s.redraw(list, items);
  }

  function drawPolls() {
    const box = $("poll-list");
    const sections = [];
    const ps = qa.polls.filter(function (p) { return stage() || p.state !== "draft"; });
    $("polls-none").hidden = ps.length > 0;
    ps.forEach(function (p) {
      const hid = "poll-" + p.id + "-h";
      const sec = el("section", { class: "poll", id: "poll-" + p.id, "aria-labelledby": hid }, [
        el("h3", { id: hid }, [el("bdi", { text: text(p.question) })]),
        el("p", { class: "note", text: s.t(stateLabel[p.state]) + (p.multiple ? " · " + s.t("js.poll.multiple") : "") }),
      ]);
      const results = p.results || (tallies.get(p.id) && (stage() || p.shared) ? tallies.get(p.id) : null);
      if (p.state === "open" && attendee() && !answered.has(p.id)) {
        const form = el("form", { class: "poll-answer" });
        const fs = el("fieldset", {}, [el("legend", { text: s.t("js.poll.your_answer") })]);
        p.options.forEach(function (o, i) {
          const id = "poll-" + p.id + "-o" + i;
          fs.appendChild(el("p", {}, [el("input", { type: p.multiple ? "checkbox" : "radio", name: "poll-" + p.id, id: id, value: String(i) }),
            document.createTextNode(" "), el("label", { for: id }, [el("bdi", { text: text(o) })])]));
        });
        fs.appendChild(el("p", {}, [el("button", { type: "submit", text: s.t("js.poll.send") })]));
        form.appendChild(fs);
        form.addEventListener("submit", function (ev) {
          ev.preventDefault();
          const choices = Array.from(form.querySelectorAll("input:checked")).map(function (x) { return Number(x.value); });
          if (choices.length) { s.send("poll.answer", { id: p.id, choices: choices }); }
        });
        sec.appendChild(form);
      } else if (answered.has(p.id)) {
        sec.appendChild(el("p", { class: "note", text: s.t("js.poll.thanks") }));
      }
      if (results) {
        const ul = el("ul", { class: "meters" });
        const n = results.answers || 0;
        p.options.forEach(function (o, i) {
          const c = (results.counts || [])[i] || 0;
          const pct = n ? Math.round(100 * c / n) : 0;
          const id = "poll-" + p.id + "-r" + i;
          ul.appendChild(el("li", {}, [el("span", { id: id + "-l" }, [el("bdi", { text: text(o) })]), document.createTextNode(" "),
            el("meter", { id: id, min: "0", max: "100", value: String(pct), "aria-labelledby": id + "-l " + id + "-v", text: pct + "%" }),
            el("span", { id: id + "-v", text: " " + s.t("js.poll.count", { n: c, percent: pct }) })]));
        });
        sec.appendChild(el("p", { class: "note", text: s.t("js.poll.answers", { n: n }) }));
        sec.appendChild(ul);
      }
      if (host()) {
        const acts = el("p", { class: "buttons" });
        const q = text(p.question).slice(0, 60);
        if (p.state === "draft") { acts.appendChild(button(s.t("js.poll.open"), function () { s.send("poll.open", { id: p.id }); }, { id: "poll-" + p.id + "-open", "aria-label": s.t("js.poll.open") + ": " + q })); }
        if (p.state === "open") { acts.appendChild(button(s.t("js.poll.close"), function () { s.send("poll.close", { id: p.id }); }, { id: "poll-" + p.id + "-close", "aria-label": s.t("js.poll.close") + ": " + q })); }
        if (p.state !== "draft") {
          const k = p.shared ? "js.poll.unshare" : "js.poll.share";
          acts.appendChild(button(s.t(k), function () { s.send("poll.share", { id: p.id, shared: !p.shared }); }, { id: "poll-" + p.id + "-share", "aria-label": s.t(k) + ": " + q }));
        }
        sec.appendChild(acts);
      }
      sections.push(sec);
    });
    s.redraw(box, sections);
  }

  function render() {
    const on = !!qa;
    qaPanel.hidden = !on;
    pollPanel.hidden = !on;
    if (!on) { return; }
    $("qa-settings").hidden = !host();
    $("qa-anonymous-ok").checked = !!qa.anonymous;
    $("qa-moderated").checked = !!qa.moderated;
    $("qa-ask").hidden = !attendee();
    $("qa-anonymous-row").hidden = !qa.anonymous;
    $("poll-new").hidden = !host();
    renderQuestions();
    renderPolls();
  }

  let prepared = [];
  // Prepared polls come from the API, which an organizer's session cookie
  // opens (a host by invitation link has none: the form alone serves).
  function loadPrepared() {
    const root = document.getElementById("session");
    if (!host() || !root || root.dataset.organizer !== "true") { return; }
    fetch("/api/v1/events/" + encodeURIComponent(s.eventID) + "/polls", { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : { polls: [] };
    }).then(function (d) {
      prepared = d.polls || [];
      const sel = $("poll-prepared");
      sel.textContent = "";
      prepared.forEach(function (p) { sel.appendChild(el("option", { value: p.id, text: text(p.question) })); });
      $("poll-prepared-row").hidden = prepared.length === 0;
    }).catch(function () {});
  }

  s.on("welcome", function (d) {
    qa = d.qa || null;
    if (qa) {
      qa.questions = qa.questions || [];
      qa.polls = qa.polls || [];
      const you = qa.you || {};
      mine = new Set(you.asked || []);
      voted = new Set(you.voted || []);
      answered = new Set(you.answered || []);
      tallies.clear();
      Object.entries(qa.tallies || {}).forEach(function (kv) { tallies.set(kv[0], kv[1]); });
    }
    // session.js enters the room while handling the welcome, before this
    // hook: show what the welcome brought now.
    render();
    loadPrepared();
  });
  s.on("enter", render);
  s.on("qa", function (d) {
    if (!qa) { return; }
    qa.anonymous = d.anonymous;
    qa.moderated = d.moderated;
    render();
  });
  s.on("question", function (d, env) {
    if (!qa) { return; }
    const isNew = !qa.questions.some(function (q) { return q.id === d.id; });
    const q = Object.assign({}, d);
    delete q.key;
    upsert(qa.questions, q);
    if (env.from && env.from === me().id && isNew) { mine.add(d.id); }
    if (isNew && !env.from && !env.seq) { mine.add(d.id); } // your own anonymous question, held
    renderQuestions();
    if (isNew) { s.announce(s.t("js.qa.new_question")); }
    else if (d.status === "answered") { s.announce(s.t("js.qa.answered")); }
  });
  // Vote counts come coalesced (question.votes: the counts that changed,
  // absolute, only growing); your own vote is acknowledged at once.
  s.on("question.votes", function (d) {
    if (!qa) { return; }
    Object.entries(d.votes || {}).forEach(function (kv) {
      const q = qa.questions.find(function (x) { return x.id === kv[0]; });
      if (q && kv[1] > q.votes) { q.votes = kv[1]; }
    });
    renderQuestions();
  });
  s.on("question.voted", function (d) {
    if (!qa) { return; }
    voted.add(d.id);
    const q = qa.questions.find(function (x) { return x.id === d.id; });
    if (q && d.votes > q.votes) { q.votes = d.votes; }
    renderQuestions();
  });
  s.on("poll", function (d) {
    if (!qa) { return; }
    const isNew = !qa.polls.some(function (p) { return p.id === d.id; });
    upsert(qa.polls, d);
    if (!d.results) {
      const p = qa.polls.find(function (x) { return x.id === d.id; });
      if (!d.shared && !stage()) { delete p.results; }
    }
    renderPolls();
    if (d.state === "open" && isNew === false) { s.announce(s.t("js.poll.opened")); }
  });
  s.on("poll.results", function (d) {
    const old = tallies.get(d.id);
    if (!old || old.answers <= d.answers) { tallies.set(d.id, d); }
    if (qa) { renderPolls(); }
  });
  s.on("poll.answered", function (d) {
    answered.add(d.id);
    renderPolls();
    s.announce(s.t("js.poll.thanks"));
  });

  $("qa-sort").addEventListener("change", function () { if (qa) { renderQuestions(); } });
  $("qa-anonymous-ok").addEventListener("change", function () { s.send("qa.settings", { anonymous: $("qa-anonymous-ok").checked }); });
  $("qa-moderated").addEventListener("change", function () { s.send("qa.settings", { moderated: $("qa-moderated").checked }); });
  $("qa-ask").addEventListener("submit", function (ev) {
    ev.preventDefault();
    const t = $("qa-text").value.trim();
    if (!t) { return; }
    s.send("question.ask", { text: t, anonymous: $("qa-anonymous").checked && !!(qa && qa.anonymous) });
    $("qa-text").value = "";
  });
  $("poll-use").addEventListener("click", function () { s.send("poll.create", { prepared: $("poll-prepared").value }); });
  $("poll-new").addEventListener("submit", function (ev) {
    ev.preventDefault();
    const opts = $("poll-options").value.split("\n").map(function (x) { return x.trim(); }).filter(Boolean);
    const q = $("poll-question").value.trim();
    if (!q || opts.length < 2) { s.announce(s.t("js.poll.incomplete")); return; }
    const wrap = function (x) { const o = {}; o[lang] = x; return o; };
    s.send("poll.create", { poll: { question: wrap(q), options: opts.map(wrap), multiple: $("poll-multiple").checked } });
    $("poll-question").value = "";
    $("poll-options").value = "";
  });
})();
