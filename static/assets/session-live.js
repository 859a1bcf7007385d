// majlis session page, the live session (issue 17): the hosts' banner,
// participant list and session start/end, the raised-hand queue reordered
// by keyboard; a participant's own hand, the agenda now and next,
// reactions and messages to hosts; the interpreters' console (ON AIR, shift
// timer, handover countdown, slow-down and sound alarm, relay source,
// separate volumes for input, partner and floor, input level, shortcuts);
// listeners' automatic lowering of the original. It hooks into session.js
// through window.majlisSession.
"use strict";

(function () {
  const S = window.majlisSession;
  if (!S || !document.getElementById("live-me")) {
    return;
  }
  const t = S.t;
  const $ = function (id) { return document.getElementById(id); };
  const FLOOR = "floor";
  const uiLang = (document.getElementById("session") || document.body).dataset.lang || "en";

  // Room state, from the messages session.js handled.
  let interp = null;
  let floor = { speaker: "", queue: [] };
  let progress = {};
  let items = [];
  let listenerCounts = {};

  function me() { return S.me(); }
  function name(id) {
    const m = S.member(id);
    return m ? m.name : "?";
  }
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) {
      e.textContent = text;
    }
    if (cls) {
      e.className = cls;
    }
    return e;
  }
  function button(text, onClick, label) {
    const b = el("button", text);
    b.type = "button";
    if (label) {
      b.setAttribute("aria-label", label);
    }
    b.addEventListener("click", onClick);
    return b;
  }
  function itemTitle(it) {
    const title = it.title || {};
    return title[uiLang] || title.en || Object.values(title)[0] || it.id;
  }
  function optionText(selectID, value) {
    const o = Array.from($(selectID).options).find(function (x) { return x.value === value; });
    return o ? o.textContent : value;
  }

  S.on("welcome", function (d) {
    interp = d.interpretation;
    floor = d.floor || floor;
    progress = d.agenda || {};
    items = progress.items || [];
    showBanner(d.announcement || null);
    renderShiftForm();
    renderAll();
  });
  S.on("enter", function () {
    const m = me();
    $("live-host").hidden = m.role !== "host";
    $("live-console").hidden = !(m.role === "interpreter" && m.booth);
    renderAll();
    if (!$("live-console").hidden) {
      startLevel();
    }
  });
  S.on("interpretation", function (d) {
    const before = myBooth();
    interp = d;
    renderShiftForm();
    const after = myBooth();
    if (before && after && before.live !== after.live && after.live) {
      cue(after.live === me().id ? t("js.live.switched_you") : t("js.live.switched_partner", { name: name(after.live) }));
    }
    renderConsole();
    remix();
  });
  S.on("floor", function (d) {
    const before = floor;
    floor = d;
    if (before.speaker !== d.speaker && me() && d.speaker !== me().id && before.speaker !== me().id) {
      S.announce(d.speaker ? t("js.live.floor_now", { name: name(d.speaker) }) : t("js.live.floor_free"));
    }
    renderMe();
    renderPeople();
    decorateQueue();
  });
  S.on("agenda", function (d) {
    progress = Object.assign({}, progress, d);
    renderMe();
    renderSession();
  });
  S.on("listeners", function (d) { listenerCounts = d; });
  ["presence.join", "presence.leave", "member"].forEach(function (type) {
    S.on(type, function () {
      renderPeople();
      renderConsole();
      remix();
    });
  });
  S.on("announcement", function (d) { showBanner(d && d.text ? d : null); });
  S.on("reaction", function (d, env) {
    const b = document.querySelector('#live-me button[data-reaction="' + d.reaction + '"]');
    $("live-reactions").textContent = t("js.live.reaction", { name: name(env.from), reaction: b ? b.textContent : d.reaction });
  });
  S.on("chat", function (d, env) {
    if (env.to !== "hosts") {
      return;
    }
    const last = $("chat-all").lastElementChild;
    if (last) {
      last.classList.add("to-hosts");
      last.prepend(el("span", "[" + t("js.live.to_hosts_mark") + "] ", "note"));
    }
  });
  S.on("slow_down", function () {
    hostAlert(t("js.live.alert_slow"));
  });
  S.on("sound_alarm", function (d) {
    hostAlert(t(d.problem === "bad_sound" ? "js.live.alert_bad_sound" : "js.live.alert_no_sound", { lang: t("lang." + d.booth) }));
  });

  function renderAll() {
    renderMe();
    renderSession();
    renderPeople();
    decorateQueue();
    renderConsole();
  }

  // ---- the banner ---------------------------------------------------------

  function showBanner(a) {
    const box = $("live-banner");
    if (!a || !a.text || !Object.keys(a.text).length) {
      box.hidden = true;
      return;
    }
    const lang = a.text[uiLang] ? uiLang : Object.keys(a.text)[0];
    const text = $("live-banner-text");
    text.textContent = a.text[lang];
    text.lang = lang;
    text.dir = "auto";
    box.hidden = false;
  }

  // ---- participants: now and next, your hand, reactions --------------------

  function renderMe() {
    const cur = items.find(function (it) { return it.id === progress.current; });
    $("live-now").textContent = cur ? t("js.live.now", { item: itemTitle(cur) }) : t("js.live.now_none");
    const done = progress.done || [];
    const at = cur ? items.indexOf(cur) + 1 : 0;
    const next = items.slice(at).find(function (it) { return done.indexOf(it.id) < 0 && it.id !== progress.current; });
    $("live-next").textContent = next ? t("js.live.next", { item: itemTitle(next) }) : t("js.live.next_none");
    const m = me();
    let place = "";
    if (m && floor.speaker === m.id) {
      place = t("js.live.have_floor");
    } else if (m) {
      const i = (floor.queue || []).indexOf(m.id);
      if (i >= 0) {
        place = t("js.live.place", { n: i + 1, total: floor.queue.length });
      }
    }
    $("live-place").textContent = place;
  }

  document.querySelectorAll("#live-me button[data-reaction]").forEach(function (b) {
    b.addEventListener("click", function () { S.send("reaction", { reaction: b.dataset.reaction }); });
  });

  // ---- hosts: session, alerts, banner, people, queue ----------------------

  function renderSession() {
    if ($("live-host").hidden) {
      return;
    }
    const state = progress.session || "";
    $("live-start").hidden = state === "running";
    $("live-end").hidden = state !== "running";
    $("live-session-state").textContent = t(state === "running" ? "js.live.session_running" : state === "ended" ? "js.live.session_ended" : "js.live.session_not_started");
  }
  $("live-start").addEventListener("click", function () { S.send("session.start"); });
  // The shift warning in effect: the event's, or a host's for this
  // session (which the second button withdraws).
  function renderShiftForm() {
    if (!interp) {
      return;
    }
    if (document.activeElement !== $("live-shift-minutes")) {
      $("live-shift-minutes").value = String(interp.shift_warning || 30);
    }
    $("live-shift-event").hidden = !interp.session_shift_warning;
  }
  $("live-shift-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    S.send("shift.warning", { minutes: Number($("live-shift-minutes").value) });
  });
  $("live-shift-event").addEventListener("click", function () { S.send("shift.warning", { minutes: 0 }); });
  $("live-end").addEventListener("click", function () { S.send("session.end"); });

  function hostAlert(text) {
    if ($("live-host").hidden) {
      return;
    }
    const li = el("li", text);
    const list = $("live-alerts");
    list.append(li);
    while (list.children.length > 20) {
      list.firstElementChild.remove();
    }
  }

  $("live-announce").addEventListener("submit", function (ev) {
    ev.preventDefault();
    const text = {};
    ev.target.querySelectorAll("textarea").forEach(function (ta) {
      if (ta.value.trim()) {
        text[ta.name] = ta.value;
      }
    });
    if (Object.keys(text).length) {
      S.send("announce", { text: text });
    }
  });
  $("live-announce-clear").addEventListener("click", function () {
    $("live-announce").querySelectorAll("textarea").forEach(function (ta) { ta.value = ""; });
    S.send("announce", { text: {} });
  });

  function renderPeople() {
    if ($("live-host").hidden) {
      return;
    }
    const q = $("live-search").value.trim().toLowerCase();
    const role = $("live-role").value;
    const channel = $("live-channel").value;
    const queue = floor.queue || [];
    const all = S.members();
    const shown = all.filter(function (m) {
      return (!role || m.role === role) && (!channel || m.channel === channel) &&
        (!q || (m.name + " " + (m.institution || "")).toLowerCase().indexOf(q) >= 0);
    });
    // Hands raised first, in the queue's order; then by name.
    shown.sort(function (a, b) {
      const qa = queue.indexOf(a.id);
      const qb = queue.indexOf(b.id);
      if (qa >= 0 || qb >= 0) {
        return (qa < 0 ? 1e9 : qa) - (qb < 0 ? 1e9 : qb);
      }
      return a.name.localeCompare(b.name, uiLang);
    });
    const rows = shown.map(function (m) {
      const tr = el("tr");
      tr.id = "live-person-" + m.id;
      tr.dataset.id = m.id;
      const who = el("bdi", m.name);
      const nameCell = el("td");
      nameCell.append(who);
      if (m.stage) {
        nameCell.append(" ", el("span", t("js.live.on_stage"), "note"));
      }
      if (m.muted) {
        nameCell.append(" ", el("span", t("js.live.muted"), "note"));
      }
      const inst = el("td");
      inst.append(el("bdi", m.institution || ""));
      const hand = queue.indexOf(m.id);
      tr.append(nameCell, el("td", optionText("live-role", m.role)), inst, el("td", optionText("live-channel", m.channel)),
        el("td", floor.speaker === m.id ? t("js.live.speaking") : hand >= 0 ? String(hand + 1) : ""));
      const actions = el("td", null, "actions");
      if (m.id !== me().id) {
        actions.append(
          button(m.muted ? t("js.live.unmute") : t("js.live.mute"), function () { S.send("mute", { id: m.id, muted: !m.muted }); },
            (m.muted ? t("js.live.unmute") : t("js.live.mute")) + ": " + m.name),
          button(t("js.live.grant"), function () { S.send("floor.grant", { id: m.id }); }, t("js.live.grant") + ": " + m.name),
          button(m.stage ? t("js.live.stage_off") : t("js.live.stage_on"), function () { S.send("stage", { id: m.id, on: !m.stage }); },
            (m.stage ? t("js.live.stage_off") : t("js.live.stage_on")) + ": " + m.name),
          button(t("js.live.remove"), function () {
            if (window.confirm(t("js.live.remove_confirm", { name: m.name }))) {
              S.send("remove", { id: m.id });
            }
          }, t("js.live.remove") + ": " + m.name));
        // ids: the focus comes back to a button a redraw replaced
        ["mute", "grant", "stage", "remove"].forEach(function (k, i) { actions.children[i].id = tr.id + "-" + k; });
      }
      tr.append(actions);
      return tr;
    });
    S.redraw($("live-people"), rows);
    $("live-people-count").textContent = t("js.live.people_count", { n: shown.length, total: all.length });
  }
  ["live-search", "live-role", "live-channel"].forEach(function (id) {
    $(id).addEventListener(id === "live-search" ? "input" : "change", renderPeople);
  });

  // decorateQueue adds "move up / down" to the hosts' queue (session.js
  // lists it in #host-queue, in the queue's order): reordering never needs
  // dragging, and the focus follows the moved hand.
  let refocus = null;
  function decorateQueue() {
    const list = $("host-queue");
    if (!list || $("live-host").hidden) {
      return;
    }
    const queue = floor.queue || [];
    Array.from(list.children).forEach(function (li, i) {
      const id = queue[i];
      if (!id || li.querySelector(".move")) {
        return;
      }
      const move = function (by, key) {
        const j = i + by;
        if (j < 0 || j >= queue.length) {
          return;
        }
        const next = queue.slice();
        next.splice(i, 1);
        next.splice(j, 0, id);
        refocus = { id: id, key: key };
        S.send("floor.reorder", { queue: next });
      };
      const up = button(t("js.live.up"), function () { move(-1, "up"); }, t("js.live.up") + ": " + name(id));
      const down = button(t("js.live.down"), function () { move(1, "down"); }, t("js.live.down") + ": " + name(id));
      up.className = "move up";
      down.className = "move down";
      up.disabled = i === 0;
      down.disabled = i === queue.length - 1;
      li.append(" ", up, " ", down);
      if (refocus && refocus.id === id) {
        const target = refocus.key === "up" && !up.disabled ? up : !down.disabled ? down : up;
        target.focus();
        refocus = null;
      }
    });
  }

  // ---- interpreters' console ---------------------------------------------

  function myBooth() {
    const m = me();
    if (!interp || !m || !m.booth) {
      return null;
    }
    return (interp.booths || []).find(function (b) { return b.language === m.booth; }) || null;
  }
  function route(channel) {
    return interp ? (interp.routes || []).find(function (r) { return r.channel === channel; }) || null : null;
  }
  function clock(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const mm = Math.floor(s / 60);
    return String(mm).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }

  let warned = false;
  let countdownShown = "";
  function renderConsole() {
    const b = myBooth();
    if (!b || $("live-console").hidden) {
      return;
    }
    const m = me();
    const live = b.live === m.id;
    const onair = $("live-onair");
    onair.dataset.on = live && !b.muted ? "true" : "false";
    onair.textContent = live ? (b.muted ? t("js.live.on_air_muted") : t("js.live.on_air")) : t("js.live.off_air");
    // The shift timer: time live since the last handover.
    if (live && b.live_since) {
      const ms = Date.now() - new Date(b.live_since).getTime();
      $("live-shift").textContent = t("js.live.shift", { time: clock(ms) });
      const warnAfter = (interp.shift_warning || 30) * 60000;
      if (ms >= warnAfter && !warned) {
        warned = true;
        $("live-shift-warn").textContent = t("js.live.shift_warn", { n: Math.round(warnAfter / 60000) });
      }
    } else {
      $("live-shift").textContent = "";
      $("live-shift-warn").textContent = "";
      warned = false;
    }
    // The handover countdown, for both partners.
    const p = b.pending;
    let text = "";
    if (p && p.at) {
      const left = Math.max(0, Math.ceil((new Date(p.at).getTime() - Date.now()) / 1000));
      if (p.from === m.id) {
        text = p.accepted ? t("js.live.countdown_accepted", { n: left }) : t("js.live.countdown_out", { n: left, name: name(p.to) });
      } else if (p.to === m.id) {
        text = p.accepted ? t("js.live.countdown_accepted", { n: left }) : t("js.live.countdown_in", { n: left, name: name(p.from) });
      }
    }
    const cd = $("live-countdown");
    cd.textContent = text;
    cd.dataset.running = text ? "true" : "false";
    if (text && !countdownShown) {
      S.announce(text);
    }
    countdownShown = text;
    $("live-hand10").hidden = $("live-hand30").hidden = !live || !!p || b.interpreters.length < 2;
    // Input: relay depth, the source's language and speaker.
    const r = route(m.booth);
    let source = "";
    const speaker = floor.speaker ? t("js.live.speaker", { name: name(floor.speaker) }) : "";
    const fl = interp.floor_language ? t("lang." + interp.floor_language) : t("js.live.unknown_language");
    if (m.channel && m.channel !== FLOOR && m.channel !== m.booth) {
      source = t("js.live.source_relay", { lang: t("lang." + m.channel), floor: fl }) + speaker;
    } else if (r && r.status === "relay") {
      source = t("js.live.source_relay", { lang: t("lang." + r.input), floor: fl }) + speaker;
    } else if (r && r.status === "idle") {
      source = t("js.live.source_idle", { floor: fl });
    } else {
      source = t("js.live.source_direct", { floor: fl }) + speaker;
    }
    $("live-source").textContent = source;
    const partners = b.interpreters.filter(function (i) { return i.id !== m.id; });
    $("live-partner").textContent = partners.length ?
      t("js.live.partner", { name: partners.map(function (i) { return name(i.id); }).join(", "), n: listenerCounts[m.booth] || 0 }) :
      t("js.live.partner_none", { n: listenerCounts[m.booth] || 0 });
  }
  setInterval(renderConsole, 500);

  // cue marks a switch at zero: a short tone and a flash of the ON AIR sign.
  function cue(text) {
    S.announce(text);
    const onair = $("live-onair");
    onair.classList.add("flash");
    setTimeout(function () { onair.classList.remove("flash"); }, 1500);
    const c = audioCtx();
    if (!c) {
      return;
    }
    const o = c.createOscillator();
    const g = c.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.2, c.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, c.currentTime + 0.4);
    o.connect(g).connect(c.destination);
    o.start();
    o.stop(c.currentTime + 0.4);
  }

  function handover(seconds) {
    S.send("booth.request", { in: seconds });
  }
  $("live-hand10").addEventListener("click", function () { handover(10); });
  $("live-hand30").addEventListener("click", function () { handover(30); });
  function sent(text) {
    $("live-sent").textContent = text;
  }
  $("live-slow").addEventListener("click", function () {
    S.send("booth.slow_down");
    sent(t("js.live.slow_sent"));
  });
  $("live-nosound").addEventListener("click", function () {
    S.send("booth.sound", { problem: "no_sound" });
    sent(t("js.live.sound_sent"));
  });
  $("live-badsound").addEventListener("click", function () {
    S.send("booth.sound", { problem: "bad_sound" });
    sent(t("js.live.sound_sent"));
  });

  // Shortcuts: Alt+Shift+M mutes, Alt+Shift+C coughs while held,
  // Alt+Shift+H offers the booth in 10 s (or accepts the partner's offer).
  let coughKey = false;
  document.addEventListener("keydown", function (ev) {
    if ($("live-console").hidden || !ev.altKey || !ev.shiftKey) {
      return;
    }
    const key = ev.code;
    if (key === "KeyM") {
      ev.preventDefault();
      $("mic-mute").click();
    } else if (key === "KeyC" && !coughKey) {
      ev.preventDefault();
      coughKey = true;
      $("cough").dispatchEvent(new PointerEvent("pointerdown"));
    } else if (key === "KeyH") {
      ev.preventDefault();
      if (!$("booth-accept").hidden) {
        $("booth-accept").click();
      } else if (!$("live-hand10").hidden) {
        handover(10);
      }
    }
  });
  document.addEventListener("keyup", function (ev) {
    if (coughKey && (ev.code === "KeyC" || ev.key === "Alt" || ev.key === "Shift")) {
      coughKey = false;
      $("cough").dispatchEvent(new PointerEvent("pointerup"));
    }
  });

  // ---- audio: volumes, level, lowering the original ------------------------

  let actx = null;
  function audioCtx() {
    if (!actx && typeof AudioContext !== "undefined") {
      actx = new AudioContext();
    }
    return actx;
  }
  function vol(id) {
    return Number($(id).value) / 100;
  }

  // The input level meter listens to the microphone on its own.
  let levelStarted = false;
  async function startLevel() {
    if (levelStarted || !navigator.mediaDevices) {
      return;
    }
    levelStarted = true;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const c = audioCtx();
      const an = c.createAnalyser();
      an.fftSize = 1024;
      c.createMediaStreamSource(stream).connect(an);
      const buf = new Float32Array(an.fftSize);
      setInterval(function () {
        an.getFloatTimeDomainData(buf);
        let peak = 0;
        for (let i = 0; i < buf.length; i++) {
          peak = Math.max(peak, Math.abs(buf[i]));
        }
        $("live-level").value = Math.min(1, peak);
      }, 100);
    } catch (e) {
      $("live-level").value = 0;
    }
  }

  // Each channel's audio goes through a gain of ours (session.js calls
  // the output hook). The room sends an interpreter three channels at most
  // (realtime's hears): their input, their own booth's while the partner
  // is on air, and the floor under a relay; each has its slider, kept in
  // this browser. A listener may have the original lowered while the
  // interpreter speaks (ducking, measured on the interpretation).
  const gains = new Map();
  let duckLevel = 1;
  function gainFor(tag, ctx, dest) {
    const key = tag + "|" + (dest === ctx.destination ? "d" : "g");
    let g = gains.get(key);
    if (!g || g.context !== ctx) {
      g = ctx.createGain();
      g.connect(dest);
      if (tag !== FLOOR) {
        const an = ctx.createAnalyser();
        an.fftSize = 512;
        g.connect(an);
        g.analyser = an;
      }
      gains.set(key, g);
    }
    g.tag = tag;
    setGain(g);
    return g;
  }

  // inputChannel is the channel whose frames carry an interpreter's input:
  // the booth they picked to relay from, or their booth's route's input.
  function inputChannel(m) {
    if (m.channel && m.channel !== FLOOR && m.channel !== m.booth) {
      const r = route(m.channel);
      return r ? r.source : FLOOR;
    }
    const r = route(m.booth);
    return r && r.input ? r.input : FLOOR;
  }
  // mixOf says which slider a channel's frames follow.
  function mixOf(m, tag) {
    if (tag === m.booth) {
      return "partner";
    }
    return tag === FLOOR && inputChannel(m) !== FLOOR ? "floor" : "input";
  }
  const mixShown = {};
  function setGain(g) {
    const m = me();
    let v = 1;
    if (m && m.role === "interpreter" && m.booth) {
      const as = mixOf(m, g.tag);
      v = vol("live-vol-" + as);
      mixShown[g.tag] = { as: as, gain: v };
      $("live-console").dataset.mix = JSON.stringify(mixShown);
    } else if (g.tag === FLOOR) {
      v = duckLevel;
    }
    g.gain.setTargetAtTime(v, g.context.currentTime, 0.05);
  }
  function remix() { gains.forEach(setGain); }
  if (S.output) {
    S.output(gainFor);
  }
  const MIX = ["input", "partner", "floor"];
  const mixKey = "majlis.live.volumes";
  try {
    const saved = JSON.parse(window.localStorage.getItem(mixKey) || "{}");
    MIX.forEach(function (k) {
      if (typeof saved[k] === "number" && saved[k] >= 0 && saved[k] <= 100) {
        $("live-vol-" + k).value = String(saved[k]);
      }
    });
  } catch (e) { /* no storage: the page's defaults */ }
  MIX.forEach(function (k) {
    $("live-vol-" + k).addEventListener("input", function () {
      remix();
      const saved = {};
      MIX.forEach(function (x) { saved[x] = Number($("live-vol-" + x).value); });
      try {
        window.localStorage.setItem(mixKey, JSON.stringify(saved));
      } catch (e) { /* kept for this page only */ }
    });
  });
  const level = new Float32Array(512);
  setInterval(function () {
    const m = me();
    let want = 1;
    if ($("live-duck").checked && m && m.role !== "interpreter" && m.channel !== FLOOR) {
      gains.forEach(function (g) {
        if (g.analyser && g.tag === m.channel) {
          g.analyser.getFloatTimeDomainData(level);
          let sum = 0;
          for (let i = 0; i < level.length; i++) {
            sum += level[i] * level[i];
          }
          if (Math.sqrt(sum / level.length) > 0.02) {
            want = 0.3;
          }
        }
      });
    }
    if (want !== duckLevel) {
      duckLevel = want;
      document.body.dataset.ducked = want < 1 ? "true" : "false";
      gains.forEach(setGain);
    }
  }, 150);
})();
