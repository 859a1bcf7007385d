// majlis session page: the room protocol (docs/protocol.md) in the
// browser. Listeners pick a channel and hear it, with the original (the
// floor) mixed in at a lower volume if they wish; interpreters get their
// booth's console (live/passive, handover, input, microphone, cough, booth
// chat); hosts see every booth, the listener counts and the warnings.
//
// Audio: binary frames carry one Opus packet each. Interpreters encode the
// microphone with WebCodecs (AudioEncoder, 48 kHz mono, 20 ms packets);
// listeners decode them with AudioDecoder and schedule them on an
// AudioContext. For diagnostics the page keeps counts on <body>, updated
// four times a second at most: data-frames-sent, data-frames-received,
// data-frames-by-channel, data-frames-decoded.
"use strict";

(function () {
  const root = document.getElementById("session");
  const stringsEl = document.getElementById("session-strings");
  if (!root || !stringsEl || !document.getElementById("room")) {
    return;
  }
  const body = document.body;
  // app.js reloads the page once with the browser's zone: wait for that.
  if (body.getAttribute("data-tz-chosen") !== "true") {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && zone !== body.getAttribute("data-tz")) {
        return;
      }
    } catch (e) {
      // no Intl zone: app.js does not reload either
    }
  }

  const S = JSON.parse(stringsEl.textContent);
  function t(key, args) {
    let s = S[key] || key;
    if (args) {
      Object.keys(args).forEach(function (k) {
        s = s.split("{" + k + "}").join(String(args[k]));
      });
    }
    return s;
  }
  const $ = function (id) { return document.getElementById(id); };
  const eventID = root.dataset.event;
  const uiLang = root.dataset.lang;
  const token = new URLSearchParams(location.search).get("token");
  const organizer = root.dataset.organizer === "true"; // the session cookie joins
  const FLOOR = "floor";

  // Room state, as the server last told it.
  let ws = null;
  let me = null;
  let seq = 0;
  let epoch = ""; // names the room's log: a resume needs both
  let name = "";
  let retry = 0;
  let members = new Map();
  let memberCount = 0;
  let interp = null;
  let floor = { speaker: "", queue: [] };
  let progress = null;
  let agendaItems = [];
  let listeners = {};
  let forcedBy = "";
  let stopped = false;
  let autoPicked = false;

  function setConn(key, args) {
    $("conn").textContent = t(key, args);
    root.dataset.conn = key;
  }

  // ---- connection -------------------------------------------------------

  function connect() {
    const q = new URLSearchParams();
    if (token) {
      q.set("token", token);
    } else if (!organizer) {
      q.set("name", name);
    }
    if (seq > 0 && epoch) {
      q.set("since", String(seq));
      q.set("epoch", epoch);
    }
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(scheme + "//" + location.host + "/ws/rooms/" + encodeURIComponent(eventID) + "?" + q.toString());
    ws.binaryType = "arraybuffer";
    setConn(retry === 0 ? "connecting" : "reconnecting");
    let welcomed = false;
    ws.onmessage = function (ev) {
      if (typeof ev.data === "string") {
        let env;
        try {
          env = JSON.parse(ev.data);
        } catch (e) {
          return;
        }
        if (env.type === "welcome" || env.type === "resume") {
          welcomed = true;
          retry = 0;
        }
        onMessage(env);
      } else {
        onFrame(new Uint8Array(ev.data));
      }
    };
    ws.onclose = function (ev) {
      if (stopped) {
        return;
      }
      if (ev.code === 4003) {
        stopped = true;
        setConn("removed");
        return;
      }
      if (ev.code === 4011) { // a webinar in practice mode: wait, then enter
        setConn("js.webinar.starting_soon");
        setTimeout(connect, 10000);
        return;
      }
      if (!welcomed && retry >= 3) {
        setConn("join_failed");
      } else {
        setConn("reconnecting");
      }
      const wait = Math.min(30000, 1000 * Math.pow(2, retry));
      retry++;
      setTimeout(connect, wait);
    };
  }

  let corr = 0;
  function send(type, data, to) {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return;
    }
    const env = { type: type, id: "c" + (++corr) };
    if (data !== undefined && data !== null) {
      env.data = data;
    }
    if (to) {
      env.to = to;
    }
    ws.send(JSON.stringify(env));
    return env.id; // the reply's id, for a feature script's errors
  }

  // Feature scripts (session-*.js, loaded after this one) hook in through
  // window.majlisSession: on(type, fn) calls fn(data, env) after this page
  // handled a message of that type ("enter" when the room is entered or
  // re-entered); send, t, me, member, members and announce are the page's.
  const hooks = {};
  function on(type, fn) {
    (hooks[type] = hooks[type] || []).push(fn);
  }
  function fire(type, d, env) {
    (hooks[type] || []).forEach(function (fn) {
      try {
        fn(d, env);
      } catch (e) {
        console.error(e); // one feature's fault must not stop the room
      }
    });
  }

  function onMessage(env) {
    if (env.seq) {
      seq = env.seq;
    }
    const d = env.data || {};
    handle(env, d);
    fire(env.type, d, env);
  }

  function handle(env, d) {
    switch (env.type) {
      case "welcome":
        // A welcome may come at any time (the room's log started again):
        // it replaces everything, the position too.
        seq = env.seq || 0;
        epoch = d.epoch || "";
        me = d.you;
        members = new Map();
        d.roster.forEach(function (m) { members.set(m.id, m); });
        memberCount = d.members;
        floor = d.floor;
        progress = d.agenda;
        agendaItems = d.agenda.items || [];
        interp = d.interpretation;
        enterRoom();
        break;
      case "resume":
        epoch = d.epoch || epoch;
        me = d.you;
        enterRoom();
        break;
      case "presence.join":
        if (!members.has(d.id)) {
          memberCount++;
        }
        members.set(d.id, d);
        renderPeople();
        renderInterp();
        break;
      case "presence.leave":
        if (members.delete(d.id)) {
          memberCount = Math.max(0, memberCount - 1);
        }
        renderPeople();
        renderInterp();
        break;
      case "member":
        members.set(d.id, d);
        if (me && d.id === me.id) {
          me = d;
          renderListen();
          renderConsole();
          renderPeople();
        }
        break;
      case "chat":
        addChat(env);
        break;
      case "floor":
        announceFloor(floor, d);
        floor = d;
        renderPeople();
        break;
      case "agenda":
        progress = Object.assign({}, progress, d);
        renderAgenda();
        break;
      case "interpretation": {
        const before = myBooth();
        interp = d;
        const after = myBooth();
        const by = members.get(env.from);
        forcedBy = "";
        if (before && after && before.live !== after.live && by && by.role === "host") {
          forcedBy = by.name;
        }
        renderInterp();
        break;
      }
      case "caption":
        addCaption(d);
        break;
      case "listeners":
        listeners = d;
        renderInterp();
        break;
      case "remove":
        break;
      case "error":
        showError(d);
        break;
    }
  }

  function showError(d) {
    const key = "err_" + d.code;
    $("conn").textContent = S[key] ? t(key) : t("err_other");
  }

  function enterRoom() {
    $("join-form").hidden = true;
    $("room").hidden = false;
    setConn("connected");
    const interpreter = me.role === "interpreter" && me.booth;
    $("console").hidden = !interpreter;
    $("host").hidden = me.role !== "host";
    $("hand").hidden = !(me.role === "speaker" || me.role === "participant" || me.role === "delegate");
    root.dataset.role = me.role;
    if (interpreter) {
      $("booth-lang").textContent = t("lang." + me.booth);
      $("booth-lang").lang = me.booth;
      startMic();
    } else if (!autoPicked && me.channel === FLOOR && interp && interp.channels.indexOf(uiLang) > 0 && !(me.languages || []).length) {
      // A listener without languages of their own gets the page's
      // language by default, once: a later choice of the floor stays.
      autoPicked = true;
      pick(uiLang);
    }
    renderAll();
    fire("enter", me, null);
  }

  function renderAll() {
    renderListen();
    renderInterp();
    renderAgenda();
    renderPeople();
  }

  // ---- listening ----------------------------------------------------------

  function route(channel) {
    if (!interp) {
      return null;
    }
    return interp.routes.find(function (r) { return r.channel === channel; }) || null;
  }

  // source is the channel whose frames carry what the member hears.
  function source() {
    if (!me) {
      return FLOOR;
    }
    const r = route(me.channel);
    return r ? r.source : FLOOR;
  }

  function originalLevel() {
    return Number($("original").value) / 100;
  }

  function pick(channel) {
    send("channel", { channel: channel, original: channel !== FLOOR && originalLevel() > 0 });
  }

  function renderListen() {
    if (!me) {
      return;
    }
    document.querySelectorAll('input[name="channel"]').forEach(function (input) {
      input.checked = input.value === me.channel;
    });
    root.dataset.channel = me.channel;
    const r = route(me.channel);
    let note = "";
    if (r) {
      note = t("route_" + r.status, { lang: r.input ? t("lang." + r.input) : "" });
    }
    $("route").textContent = note;
    setGains();
  }

  document.querySelectorAll('input[name="channel"]').forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.checked) {
        pick(input.value);
      }
    });
  });
  $("original").addEventListener("input", function () {
    setGains();
    if (me && me.channel !== FLOOR && me.original !== (originalLevel() > 0)) {
      pick(me.channel);
    }
  });

  // ---- audio out: decode and play -----------------------------------------

  let actx = null;
  let mainGain = null;
  let originalGain = null;
  const decoders = new Map(); // channel tag → {decoder, ts, next}
  let received = 0;
  let decoded = 0;
  let sent = 0;
  const byChannel = {};

  // showCounts puts the diagnostics counts on <body> four times a second at
  // most, and only those that changed: written for every frame (50 a second
  // a channel, each way), they cost the page a style pass each and flooded
  // whatever observes it (the browser tests' DevTools connection fell
  // minutes behind).
  let countsDue = false;
  function showCounts() {
    if (countsDue) {
      return;
    }
    countsDue = true;
    setTimeout(function () {
      countsDue = false;
      const counts = {
        framesReceived: String(received),
        framesByChannel: JSON.stringify(byChannel),
        framesDecoded: String(decoded),
        framesSent: String(sent),
      };
      Object.keys(counts).forEach(function (k) {
        if (body.dataset[k] !== counts[k]) {
          body.dataset[k] = counts[k];
        }
      });
    }, 250);
  }

  function audioContext() {
    if (!actx) {
      actx = new AudioContext({ sampleRate: 48000 });
      mainGain = actx.createGain();
      originalGain = actx.createGain();
      mainGain.connect(actx.destination);
      originalGain.connect(actx.destination);
      setGains();
    }
    return actx;
  }

  function setGains() {
    if (originalGain) {
      originalGain.gain.value = originalLevel();
    }
  }

  $("audio-on").addEventListener("click", function () {
    audioContext().resume();
    $("audio-note").textContent = "";
  });

  const tagDecoder = new TextDecoder();
  function onFrame(bytes) {
    if (bytes.length < 3 || bytes[0] !== 1) {
      return;
    }
    const n = bytes[1];
    const tag = tagDecoder.decode(bytes.subarray(2, 2 + n));
    const payload = bytes.subarray(2 + n);
    received++;
    byChannel[tag] = (byChannel[tag] || 0) + 1;
    showCounts();
    let d = decoders.get(tag);
    if (!d) {
      d = newDecoder(tag);
      if (!d) {
        return;
      }
      decoders.set(tag, d);
    }
    if (d.decoder.state !== "configured") {
      return;
    }
    d.decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: d.ts, data: payload }));
    d.ts += 20000;
  }

  function newDecoder(tag) {
    if (typeof AudioDecoder === "undefined") {
      $("audio-note").textContent = t("audio_unsupported");
      return null;
    }
    const d = { ts: 0, next: 0, decoder: null };
    d.decoder = new AudioDecoder({
      output: function (data) {
        decoded++;
        showCounts();
        play(data, tag, d);
      },
      error: function () {
        decoders.delete(tag);
      },
    });
    d.decoder.configure({ codec: "opus", sampleRate: 48000, numberOfChannels: 1 });
    return d;
  }

  // A feature script may pass a channel's audio through nodes of its own:
  // majlisSession.output(fn), fn(tag, ctx, dest) returns the node to
  // connect to (itself connected to dest), or nothing.
  const outputs = [];
  function outputFor(tag, ctx, dest) {
    for (const fn of outputs) {
      const n = fn(tag, ctx, dest);
      if (n) {
        return n;
      }
    }
    return dest;
  }

  // play schedules decoded audio back to back, with a small jitter buffer;
  // the floor under an interpretation goes through the original's gain.
  function play(data, tag, d) {
    try {
      const ctx = audioContext();
      if (ctx.state !== "running") {
        $("audio-note").textContent = t("audio_off");
        return;
      }
      const buf = ctx.createBuffer(data.numberOfChannels, data.numberOfFrames, data.sampleRate);
      for (let c = 0; c < data.numberOfChannels; c++) {
        const plane = new Float32Array(data.numberOfFrames);
        data.copyTo(plane, { planeIndex: c, format: "f32-planar" });
        buf.copyToChannel(plane, c);
      }
      const node = ctx.createBufferSource();
      node.buffer = buf;
      const underneath = tag === FLOOR && source() !== FLOOR && !(me && me.role === "interpreter");
      node.connect(outputFor(tag, ctx, underneath ? originalGain : mainGain));
      const now = ctx.currentTime;
      if (d.next < now + 0.02 || d.next > now + 1) {
        d.next = now + 0.1;
      }
      node.start(d.next);
      d.next += buf.duration;
    } finally {
      data.close();
    }
  }

  // ---- audio in: the interpreter's microphone ------------------------------

  let micStarted = false;
  const encoders = new Map(); // channel → AudioEncoder
  let floorMic = false;
  let micMuted = false;
  let coughing = false;

  function myBooth() {
    if (!interp || !me || !me.booth) {
      return null;
    }
    return interp.booths.find(function (b) { return b.language === me.booth; }) || null;
  }

  // mayTakeFloor: hosts and whoever has the floor may speak on it.
  function mayTakeFloor() {
    return !!me && !me.muted && (me.role === "host" || floor.speaker === me.id);
  }

  // onAir is the channel the microphone feeds now, or "".
  function onAir() {
    if (!me || !ws || ws.readyState !== WebSocket.OPEN) {
      return "";
    }
    const b = myBooth();
    if (b && b.live === me.id && !b.muted && !micMuted && !coughing) {
      return me.booth;
    }
    if (floorMic && mayTakeFloor()) {
      return FLOOR;
    }
    return "";
  }

  function micNote(text) {
    $("mic-note").textContent = text;
    $("floor-mic-note").textContent = text;
  }

  async function startMic() {
    if (micStarted) {
      return;
    }
    micStarted = true;
    if (typeof AudioEncoder === "undefined" || typeof MediaStreamTrackProcessor === "undefined" || !navigator.mediaDevices) {
      micNote(t("mic_unsupported"));
      return;
    }
    let track;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      track = stream.getAudioTracks()[0];
    } catch (e) {
      micNote(t("mic_denied"));
      return;
    }
    micNote(t("mic_ready"));
    const reader = new MediaStreamTrackProcessor({ track: track }).readable.getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        return;
      }
      const data = r.value;
      try {
        const channel = onAir();
        if (channel) {
          encode(data, channel);
        }
      } finally {
        data.close();
      }
    }
  }

  // encode feeds one encoder per channel, so that each packet goes out
  // tagged with the channel it was recorded for.
  function encode(data, channel) {
    const mono = toMono(data);
    try {
      let encoder = encoders.get(channel);
      if (!encoder || encoder.state === "closed") {
        encoder = new AudioEncoder({
          output: function (chunk) {
            const payload = new Uint8Array(chunk.byteLength);
            chunk.copyTo(payload);
            sendFrame(channel, payload);
          },
          error: function () {
            encoders.delete(channel);
          },
        });
        encoder.configure({ codec: "opus", sampleRate: mono.sampleRate, numberOfChannels: 1, bitrate: 32000, opus: { frameDuration: 20000 } });
        encoders.set(channel, encoder);
      }
      encoder.encode(mono);
    } finally {
      mono.close();
    }
  }

  // toMono mixes the microphone's channels down to one.
  function toMono(data) {
    const n = data.numberOfFrames;
    const out = new Float32Array(n);
    const plane = new Float32Array(n);
    for (let c = 0; c < data.numberOfChannels; c++) {
      data.copyTo(plane, { planeIndex: c, format: "f32-planar" });
      for (let i = 0; i < n; i++) {
        out[i] += plane[i] / data.numberOfChannels;
      }
    }
    return new AudioData({ format: "f32-planar", sampleRate: data.sampleRate, numberOfFrames: n, numberOfChannels: 1, timestamp: data.timestamp, data: out });
  }

  const encoderText = new TextEncoder();
  function sendFrame(channel, payload) {
    if (!ws || ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > 256 * 1024 || payload.length < 1 || payload.length > 4000) {
      return;
    }
    const tag = encoderText.encode(channel);
    const frame = new Uint8Array(2 + tag.length + payload.length);
    frame[0] = 1;
    frame[1] = tag.length;
    frame.set(tag, 2);
    frame.set(payload, 2 + tag.length);
    ws.send(frame);
    sent++;
    showCounts();
  }

  // ---- the interpreter's console ------------------------------------------

  function memberName(id) {
    const m = members.get(id);
    return m ? m.name : "?";
  }

  // otherParty is who must accept a pending handover.
  function otherParty(p) {
    return p.by === p.to ? p.from : p.to;
  }

  function renderConsole() {
    const b = myBooth();
    if (!b || $("console").hidden) {
      return;
    }
    const live = b.live === me.id;
    root.dataset.boothState = live ? "live" : "passive";
    let state;
    if (live) {
      state = b.muted ? t("you_live_muted") : t("you_live");
    } else if (b.live) {
      state = t("partner_live", { name: memberName(b.live) });
    } else {
      state = t("nobody_live");
    }
    if (forcedBy) {
      state += " " + t("forced", { name: forcedBy });
    }
    $("booth-state").textContent = state;
    $("booth-state").className = "state " + (live ? "live" : "passive");
    $("booth-members").replaceChildren.apply($("booth-members"), b.interpreters.map(function (i) {
      const li = document.createElement("li");
      const who = document.createElement("bdi");
      who.textContent = memberName(i.id) + (i.id === me.id ? " (" + t("you") + ")" : "");
      li.append(who, " — " + (b.live === i.id ? t("live") : t("passive")));
      li.className = b.live === i.id ? "live" : "passive";
      return li;
    }));
    const p = b.pending;
    let pending = "";
    if (p) {
      if (otherParty(p) === me.id) {
        pending = p.by === p.to ? t("pending_ask", { name: memberName(p.by) }) : t("pending_offer", { name: memberName(p.from) });
      } else if (p.by === me.id) {
        pending = t("pending_wait", { name: memberName(otherParty(p)) });
      }
    }
    $("booth-pending").textContent = pending;
    $("booth-take").hidden = !!b.live;
    $("booth-request").hidden = !b.live || !!p || b.interpreters.length < 2;
    $("booth-accept").hidden = !p || otherParty(p) !== me.id;
    $("booth-decline").hidden = !p || (otherParty(p) !== me.id && p.by !== me.id);
    $("booth-listeners").textContent = String(listeners[me.booth] || 0);
    const muteBtn = $("mic-mute");
    muteBtn.setAttribute("aria-pressed", micMuted ? "true" : "false");
    muteBtn.textContent = micMuted ? t("unmute") : t("mute");
    // Input: the routing table's, or another live booth to relay from.
    const select = $("booth-input");
    const r = route(me.booth);
    const auto = r && r.input ? r.input : FLOOR;
    const options = [{ value: FLOOR, label: t("input_auto", { source: auto === FLOOR ? t("floor") : t("lang." + auto) }) }];
    interp.booths.forEach(function (other) {
      if (other.language !== me.booth && other.live) {
        options.push({ value: other.language, label: t("input_relay", { lang: t("lang." + other.language) }) });
      }
    });
    select.replaceChildren.apply(select, options.map(function (o) {
      const opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      opt.selected = o.value === (me.channel === me.booth ? FLOOR : me.channel);
      return opt;
    }));
  }

  $("booth-take").addEventListener("click", function () { send("booth.take"); });
  $("booth-request").addEventListener("click", function () { send("booth.request", {}); });
  $("booth-accept").addEventListener("click", function () { send("booth.accept"); });
  $("booth-decline").addEventListener("click", function () { send("booth.decline"); });
  $("booth-input").addEventListener("change", function () {
    send("channel", { channel: $("booth-input").value });
  });

  function setBoothMute() {
    const b = myBooth();
    const want = micMuted || coughing;
    if (b && b.live === me.id && b.muted !== want) {
      send("booth.mute", { muted: want });
    }
  }
  $("mic-mute").addEventListener("click", function () {
    micMuted = !micMuted;
    setBoothMute();
    renderConsole();
  });
  // The cough button mutes while held, by pointer or by keyboard.
  const cough = $("cough");
  function coughOn(ev) {
    ev.preventDefault();
    if (!coughing) {
      coughing = true;
      cough.setAttribute("aria-pressed", "true");
      setBoothMute();
    }
  }
  function coughOff() {
    if (coughing) {
      coughing = false;
      cough.setAttribute("aria-pressed", "false");
      setBoothMute();
    }
  }
  cough.addEventListener("pointerdown", coughOn);
  cough.addEventListener("pointerup", coughOff);
  cough.addEventListener("pointerleave", coughOff);
  cough.addEventListener("pointercancel", coughOff);
  cough.addEventListener("keydown", function (ev) {
    if (ev.key === " " || ev.key === "Enter") {
      coughOn(ev);
    }
  });
  cough.addEventListener("keyup", coughOff);
  cough.addEventListener("blur", coughOff);

  $("caption-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    const input = ev.target.elements.text;
    if (input.value.trim()) {
      send("caption", { text: input.value });
      input.value = "";
    }
  });

  // ---- hosts' panel ---------------------------------------------------------

  function renderHost() {
    if ($("host").hidden || !interp) {
      return;
    }
    $("floor-language").value = interp.floor_language || "";
    const rows = interp.channels.map(function (ch) {
      const tr = document.createElement("tr");
      tr.id = "host-booth-" + ch;
      tr.dataset.channel = ch;
      const b = interp.booths.find(function (x) { return x.language === ch; });
      const r = route(ch);
      const cells = [
        ch === FLOOR ? t("floor") : t("lang." + ch),
        b && b.live ? memberName(b.live) + (b.muted ? " " + t("muted") : "") : (ch === FLOOR && floor.speaker ? memberName(floor.speaker) : "—"),
        r ? t("route_" + r.status, { lang: r.input ? t("lang." + r.input) : "" }) : "",
        String(listeners[ch] || 0),
      ];
      cells.forEach(function (text, i) {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 3) {
          td.className = "count";
        }
        tr.append(td);
      });
      if (b && b.interpreters.length) {
        const td = tr.children[1];
        const select = document.createElement("select");
        select.id = "host-booth-" + ch + "-live";
        select.setAttribute("aria-label", t("lang." + ch));
        [{ id: "", label: t("off_air") }].concat(b.interpreters.map(function (i) {
          return { id: i.id, label: memberName(i.id) };
        })).forEach(function (o) {
          const opt = document.createElement("option");
          opt.value = o.id;
          opt.textContent = o.label;
          opt.defaultSelected = o.id === (b.live || ""); // in the markup: redraw compares it
          select.append(opt);
        });
        select.addEventListener("change", function () {
          send("booth.force", { booth: ch, id: select.value });
        });
        td.replaceChildren(select);
        if (b.muted) {
          const muted = document.createElement("span");
          muted.className = "muted";
          muted.textContent = " " + t("muted");
          td.append(muted);
        }
      }
      return tr;
    });
    redraw($("host-booths"), rows);
    $("host-warnings").replaceChildren.apply($("host-warnings"), (interp.warnings || []).map(function (w) {
      const li = document.createElement("li");
      li.textContent = t("warn_" + w.warning, { lang: t("lang." + w.channel) });
      return li;
    }));
  }
  $("floor-language").addEventListener("change", function () {
    send("floor.language", { language: $("floor-language").value });
  });

  // announce says text to screen readers through the page's status
  // region (#announce, polite). The same text twice is still read.
  function announce(text) {
    const region = $("announce");
    region.textContent = region.textContent === text ? text + "\u00a0" : text;
  }

  // announceFloor tells a member who was given the floor or lost it, and
  // hosts who raised a hand: the buttons change silently otherwise.
  function announceFloor(before, after) {
    if (!me) {
      return;
    }
    if (after.speaker === me.id && before.speaker !== me.id) {
      announce(t("you_have_floor"));
    } else if (before.speaker === me.id && after.speaker !== me.id) {
      announce(t("floor_ended"));
    }
    if (me.role !== "host") {
      return;
    }
    const waiting = after.queue || [];
    const had = before.queue || [];
    const raised = waiting.filter(function (id) { return had.indexOf(id) < 0; });
    if (raised.length) {
      announce(raised.map(function (id) {
        return t("hand_raised", { name: memberName(id), n: waiting.length });
      }).join(" "));
    }
  }

  // renderFloorQueue shows hosts who speaks and who waits, with buttons
  // to give and take back the floor.
  function renderFloorQueue() {
    if ($("host").hidden) {
      return;
    }
    const speaker = [];
    if (floor.speaker) {
      const who = document.createElement("bdi");
      who.textContent = memberName(floor.speaker);
      const take = document.createElement("button");
      take.type = "button";
      take.textContent = t("release");
      take.addEventListener("click", function () { send("floor.release"); });
      speaker.push(document.createTextNode(t("speaking") + " "), who, document.createTextNode(" "), take);
    }
    redraw($("host-speaker"), speaker);
    const queue = $("host-queue");
    const hands = (floor.queue || []).map(function (id) {
      const li = document.createElement("li");
      li.id = "queue-" + id;
      const who = document.createElement("bdi");
      who.textContent = memberName(id);
      const grant = document.createElement("button");
      grant.type = "button";
      grant.className = "grant";
      grant.textContent = t("grant");
      grant.setAttribute("aria-label", t("grant") + ": " + memberName(id));
      grant.addEventListener("click", function () { send("floor.grant", { id: id }); });
      li.append(who, " ", grant);
      return li;
    });
    if (!hands.length) {
      const li = document.createElement("li");
      li.className = "note";
      li.textContent = t("no_hands");
      hands.push(li);
    }
    redraw(queue, hands);
  }

  // agendaButtons lets hosts start an item and end the running one.
  function agendaButtons() {
    if ($("host").hidden || !progress) {
      return;
    }
    document.querySelectorAll(".live-agenda li").forEach(function (li) {
      let button = li.querySelector("button");
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.addEventListener("click", function () {
          send(button.dataset.action, { item: li.dataset.item });
        });
        li.append(" ", button);
      }
      const running = li.dataset.item === progress.current;
      button.dataset.action = running ? "agenda.end" : "agenda.start";
      button.textContent = running ? t("end_item") : t("start_item");
    });
  }

  function renderInterp() {
    renderListen();
    renderConsole();
    renderHost();
  }

  // ---- agenda, people, chat, captions -------------------------------------

  function renderAgenda() {
    if (!progress) {
      return;
    }
    document.querySelectorAll(".live-agenda li").forEach(function (li) {
      const id = li.dataset.item;
      if (id === progress.current) {
        li.setAttribute("aria-current", "true");
      } else {
        li.removeAttribute("aria-current");
      }
      li.classList.toggle("done", (progress.done || []).indexOf(id) >= 0);
    });
    let text = t("not_started");
    if (progress.current || (progress.done || []).length) {
      const mins = Math.round(Math.abs(progress.drift || 0) / 60);
      if (mins === 0) {
        text = t("drift_on_time");
      } else {
        text = t(progress.drift > 0 ? "drift_late" : "drift_early", { n: mins });
      }
      if (progress.projected_end) {
        const end = new Date(progress.projected_end);
        let clock;
        try {
          clock = new Intl.DateTimeFormat(uiLang, { hour: "2-digit", minute: "2-digit", timeZone: body.dataset.tz }).format(end);
        } catch (e) {
          clock = end.toISOString().slice(11, 16) + " UTC";
        }
        text += " " + t("projected_end", { time: clock });
      }
    }
    $("drift").textContent = text;
    agendaButtons();
  }

  function renderPeople() {
    $("roster").textContent = t("roster", { n: memberCount });
    renderFloorQueue();
    const speak = $("floor-mic");
    speak.hidden = !mayTakeFloor();
    // The microphone's state belongs next to the floor button only when
    // there is one (an interpreter sees it in the booth).
    $("floor-mic-note").hidden = speak.hidden;
    if (speak.hidden) {
      floorMic = false;
    }
    speak.setAttribute("aria-pressed", floorMic ? "true" : "false");
    speak.textContent = floorMic ? t("floor_mic_off") : t("floor_mic_on");
    const hand = $("hand");
    if (!me || hand.hidden) {
      return;
    }
    const raised = (floor.queue || []).indexOf(me.id) >= 0;
    if (floor.speaker === me.id) {
      hand.textContent = t("release_floor");
      hand.dataset.action = "floor.release";
    } else {
      hand.textContent = raised ? t("lower_hand") : t("raise_hand");
      hand.dataset.action = raised ? "hand.lower" : "hand.raise";
    }
    hand.setAttribute("aria-pressed", raised ? "true" : "false");
  }
  $("floor-mic").addEventListener("click", function () {
    floorMic = !floorMic;
    if (floorMic) {
      startMic();
    }
    renderPeople();
  });
  $("hand").addEventListener("click", function () {
    const action = $("hand").dataset.action || "hand.raise";
    send(action, action === "hand.lower" ? {} : undefined);
  });

  const maxChat = 200;
  function addChat(env) {
    const d = env.data || {};
    let list = $("chat-all");
    if (env.to && env.to.indexOf("booth:") === 0) {
      list = $("chat-booth");
    } else if (env.to === "interpreters") {
      list = $("chat-interpreters");
    }
    const li = document.createElement("li");
    const who = document.createElement("bdi");
    who.className = "who";
    who.textContent = d.name || memberName(env.from);
    const text = document.createElement("span");
    text.dir = "auto";
    text.textContent = d.text;
    li.append(who, ": ", text);
    list.append(li);
    while (list.children.length > maxChat) {
      list.firstElementChild.remove();
    }
  }

  document.querySelectorAll("form.chat-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      const input = form.elements.text;
      if (!input.value.trim()) {
        return;
      }
      let to = form.dataset.to;
      if (to === "booth") {
        to = "booth:" + (me ? me.booth : "");
      }
      send("chat", { text: input.value }, to);
      input.value = "";
    });
  });

  function addCaption(d) {
    const wanted = me && me.role === "interpreter" ? [me.booth, source()] : [source(), me ? me.channel : FLOOR];
    if (wanted.indexOf(d.channel) < 0) {
      return;
    }
    const box = $("captions");
    const p = document.createElement("p");
    p.dir = "auto";
    if (d.speaker) { // a captioner names the speaker
      const who = document.createElement("bdi");
      who.className = "who";
      who.textContent = d.speaker;
      p.append(who, ": ");
    }
    p.append(d.text);
    box.append(p);
    while (box.children.length > 5) {
      box.firstElementChild.remove();
    }
  }

  // ---- redrawing in place ---------------------------------------------------

  // redraw makes box's children nodes, a fresh drawing of them, keeping
  // what is already there and drawn the same. What a page shows changes
  // many times a second in a busy room (vote counts, arrivals, listener
  // counts): rebuilt every time, a list replaced the button under a finger
  // (a press begun on the old one was lost), emptied the text being typed,
  // closed an open menu and dropped the keyboard focus. Children are
  // matched in order by tag, id and class; containers are patched; a
  // control (it has listeners) stays only if drawn exactly the same, else
  // it is replaced (a kept menu takes the drawing's choice). The focus
  // goes back to a replaced control that has an id.
  function redraw(box, nodes) {
    const active = document.activeElement;
    const focused = active && active !== box && box.contains(active) ? active.id : "";
    redrawChildren(box, nodes);
    const back = focused && document.getElementById(focused);
    if (back && back !== document.activeElement) {
      back.focus();
    }
  }
  function redrawChildren(box, nodes) {
    nodes.forEach(function (n, i) {
      let match = null;
      for (let j = i; j < box.childNodes.length && !match; j++) {
        if (sameKind(box.childNodes[j], n)) {
          match = box.childNodes[j];
        }
      }
      const node = match ? patch(match, n) : n;
      if (box.childNodes[i] !== node) {
        box.insertBefore(node, box.childNodes[i] || null);
      }
    });
    while (box.childNodes.length > nodes.length) {
      box.lastChild.remove();
    }
  }
  function sameKind(a, b) {
    if (a.nodeType !== Node.ELEMENT_NODE || b.nodeType !== Node.ELEMENT_NODE) {
      return a.nodeType === b.nodeType;
    }
    return a.nodeName === b.nodeName && a.id === b.id && a.className === b.className;
  }
  const controls = ["A", "BUTTON", "FORM", "INPUT", "SELECT", "TEXTAREA"];
  // patch makes o (of n's kind) look like n and returns the node that
  // stands for n: o, or n put in its place.
  function patch(o, n) {
    if (o.nodeType === Node.TEXT_NODE) {
      if (o.nodeValue !== n.nodeValue) {
        o.nodeValue = n.nodeValue;
      }
      return o;
    }
    if (o.nodeType === Node.ELEMENT_NODE && o.outerHTML === n.outerHTML) {
      if (o.nodeName === "SELECT" && o.value !== n.value) {
        o.value = n.value;
      }
      return o;
    }
    if (o.nodeType !== Node.ELEMENT_NODE || controls.includes(o.nodeName)) {
      o.replaceWith(n);
      return n;
    }
    Array.from(o.attributes).forEach(function (a) {
      if (!n.hasAttribute(a.name)) {
        o.removeAttribute(a.name);
      }
    });
    Array.from(n.attributes).forEach(function (a) {
      if (o.getAttribute(a.name) !== a.value) {
        o.setAttribute(a.name, a.value);
      }
    });
    redrawChildren(o, Array.from(n.childNodes));
    return o;
  }

  // ---- start ----------------------------------------------------------------

  window.majlisSession = {
    on: on,
    send: send,
    t: t,
    eventID: eventID,
    me: function () { return me; },
    member: function (id) { return members.get(id); },
    members: function () { return Array.from(members.values()); },
    announce: announce,
    output: function (fn) { outputs.push(fn); },
    redraw: redraw,
  };

  // The language switcher keeps the join token, which the server never
  // writes into the page.
  if (token) {
    document.querySelectorAll("nav.langs a").forEach(function (a) {
      const u = new URL(a.href, location.href);
      u.searchParams.set("token", token);
      a.href = u.pathname + "?" + u.searchParams.toString();
    });
  }

  // Start once every deferred feature script has run and hooked in.
  const form = $("join-form");
  if (token || organizer) {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    form.hidden = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      name = form.elements.name.value.trim();
      if (name) {
        form.hidden = true;
        audioContext().resume(); // the click lets audio play
        connect();
      }
    });
  }
})();
