// session-assembly.js: the general assembly in the session page (issue
// 15): the quorum indicator, the roll call, the voting panel of delegates
// and the host's panel. It hooks into session.js through
// window.majlisSession; the roll and the ballots come from the room
// (assembly.get on entering, then roll, ballot and turnout messages).
(function () {
  "use strict";
  const S = window.majlisSession;
  const root = document.getElementById("assembly");
  if (!S || !root) {
    return;
  }
  const t = S.t;
  const $ = function (id) { return document.getElementById(id); };
  const lang = document.documentElement.lang || "en";
  let view = null; // the last assembly view
  // Messages chosen by a value from the room, named in full.
  const OUTCOME = { adopted: "js.assembly.outcome.adopted", rejected: "js.assembly.outcome.rejected",
    "no-quorum": "js.assembly.outcome.no-quorum", elected: "js.assembly.outcome.elected", tie: "js.assembly.outcome.tie" };
  const STATE = { draft: "js.assembly.state.draft", open: "js.assembly.state.open", closed: "js.assembly.state.closed" };
  const OPTION = { yes: "js.assembly.option.yes", no: "js.assembly.option.no", abstain: "js.assembly.option.abstain" };
  const TERM = { yes: "js.assembly.term.yes", no: "js.assembly.term.no", cast: "js.assembly.term.cast",
    present: "js.assembly.term.present", members: "js.assembly.term.members" };
  const MAJORITY = { simple: "js.assembly.majority.simple", absolute: "js.assembly.majority.absolute",
    "two-thirds-cast": "js.assembly.majority.two-thirds-cast", "two-thirds-present": "js.assembly.majority.two-thirds-present",
    "two-thirds-members": "js.assembly.majority.two-thirds-members" };
  const ABSTENTIONS = { cast: "js.assembly.abstentions.cast", excluded: "js.assembly.abstentions.excluded" };
  const ERROR = { not_eligible: "js.assembly.err.not_eligible", wrong_institution: "js.assembly.err.wrong_institution",
    not_present: "js.assembly.err.not_present", already_voted: "js.assembly.err.already_voted",
    ballot_closed: "js.assembly.err.ballot_closed", no_quorum: "js.assembly.err.no_quorum",
    proxy_over_cap: "js.assembly.err.proxy_over_cap", proxy_not_a_status: "js.assembly.err.proxy_not_a_status",
    proxy_chain: "js.assembly.err.proxy_chain", bad_message: "js.assembly.err.invalid",
    unavailable: "js.assembly.err.unavailable" };
  const receipts = {}; // ballot id → receipts received in this page, by institution

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }
  function text(tx) {
    if (!tx) {
      return "";
    }
    return tx[lang] || tx.en || tx[Object.keys(tx)[0]] || "";
  }
  function name(id) {
    const n = view && view.names && view.names[id];
    return n ? text(n) : id;
  }
  function bdi(s) {
    return el("bdi", {}, s);
  }
  function host() {
    const me = S.me();
    return me && me.role === "host";
  }

  function quorumText(q) {
    return t("js.assembly.quorum", { counted: q.counted, needed: q.needed, members: q.members }) + " " +
      (q.met ? t("js.assembly.quorum_met") : t("js.assembly.quorum_not_met"));
  }

  function rulesText(b) {
    const r = b.rules;
    const q = r.quorum.rule === "number" ? t("js.assembly.rule.quorum_number", { n: r.quorum.number }) :
      r.quorum.rule === "none" ? t("js.assembly.rule.quorum_none") : t("js.assembly.rule.quorum_majority");
    const parts = [q];
    if (r.quorum.represented) {
      parts.push(t("js.assembly.rule.represented"));
    }
    if (b.kind === "motion") {
      parts.push(t(MAJORITY[r.majority]));
    } else {
      parts.push(t("js.assembly.rule.seats", { k: b.seats }));
    }
    parts.push(t(ABSTENTIONS[r.abstentions]));
    parts.push(b.secret ? t("js.assembly.secret") : t("js.assembly.named"));
    return parts.join(" · ");
  }

  function term(x) {
    const of = x.of ? t(TERM[x.of]) : "";
    return (x.factor !== 1 ? x.factor + " × " : "") + of + (of ? " (" + x.value + ")" : String(x.value)) +
      (x.factor !== 1 ? " = " + x.factor * x.value : "");
  }

  function verdictNode(b) {
    const v = b.verdict;
    const box = el("div", { class: "verdict" });
    box.appendChild(el("p", { class: "outcome" }, t(OUTCOME[v.outcome])));
    const tl = v.tally;
    box.appendChild(el("p", {}, b.kind === "motion" ?
      t("js.assembly.tally", { yes: tl.yes, no: tl.no, abstain: tl.abstain, cast: tl.cast, papers: tl.papers }) :
      t("js.assembly.tally_election", { papers: tl.papers, abstain: tl.abstain })));
    if (v.checks && v.checks.length) {
      const ul = el("ul", { class: "checks" });
      v.checks.forEach(function (c) {
        const li = el("li", { dir: "ltr" });
        li.textContent = term(c.left) + " " + (c.op === ">" ? ">" : "≥") + " " + term(c.right) + " — " +
          (c.holds ? t("js.assembly.holds") : t("js.assembly.fails"));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    if (b.kind === "election" && tl.candidates) {
      const ol = el("ol", {});
      tl.candidates.forEach(function (c) {
        const cand = b.candidates.find(function (x) { return x.id === c.candidate; });
        ol.appendChild(el("li", {}, (cand ? text(cand.name) : c.candidate) + ": " + c.votes));
      });
      box.appendChild(ol);
    }
    box.appendChild(el("p", { class: "note" }, quorumText(v.quorum)));
    return box;
  }

  function choiceText(b, c) {
    if (c.candidates && c.candidates.length) {
      return c.candidates.map(function (id) {
        const cand = b.candidates.find(function (x) { return x.id === id; });
        return cand ? text(cand.name) : id;
      }).join(", ");
    }
    return b.kind === "election" && c.option === "abstain" ? t("js.assembly.blank") : t(OPTION[c.option]);
  }

  // votesNode lists a named ballot's votes as they are cast: a named
  // ballot publishes each institution's vote (a secret one, only the
  // turnout).
  function votesNode(b) {
    const box = el("div", { class: "votes", id: "votes-" + b.id });
    box.appendChild(el("p", {}, t("js.assembly.votes")));
    const ul = el("ul", {});
    (b.votes || []).forEach(function (v) {
      const li = el("li", { "data-institution": v.institution });
      li.appendChild(bdi(name(v.institution)));
      li.appendChild(document.createTextNode(": " + choiceText(b, v.choice)));
      if (v.via) {
        li.appendChild(document.createTextNode(" " + t("js.assembly.via") + " "));
        li.appendChild(bdi(name(v.via)));
      }
      ul.appendChild(li);
    });
    if (!ul.children.length) {
      box.appendChild(el("p", { class: "note" }, t("js.assembly.no_votes")));
    }
    box.appendChild(ul);
    return box;
  }

  // voters are the institutions this member may cast for in ballot b.
  function voters() {
    if (!view || !view.you) {
      return [];
    }
    return view.you.institutions.concat(view.you.holds).filter(function (id) {
      const m = view.roll.members.find(function (x) { return x.institution === id; });
      return m && m.status === "A" && !view.roll.proxies.some(function (p) { return p.from === id && view.you.institutions.indexOf(id) >= 0; });
    });
  }

  function castForm(b, inst) {
    // Everything the form is drawn from, or its submit reads (the seats),
    // is in its markup: renderBallots keeps a form whose markup is the same.
    const f = el("form", { class: "cast", "data-ballot": b.id, "data-institution": inst, "data-seats": String(b.seats || 0) });
    const fs = el("fieldset", {});
    const lg = el("legend", {});
    lg.appendChild(document.createTextNode(t("js.assembly.vote_for") + " "));
    lg.appendChild(bdi(name(inst)));
    if (view.you.holds.indexOf(inst) >= 0) {
      lg.appendChild(document.createTextNode(" " + t("js.assembly.by_proxy")));
    }
    fs.appendChild(lg);
    const voted = (view.you.voted[b.id] || []).indexOf(inst) >= 0;
    if (b.kind === "motion") {
      ["yes", "no", "abstain"].forEach(function (o) {
        const l = el("label", { class: "option" });
        const i = el("input", { type: "radio", name: "option", value: o, required: "" });
        l.appendChild(i);
        l.appendChild(document.createTextNode(" " + t(OPTION[o])));
        fs.appendChild(l);
      });
    } else {
      b.candidates.forEach(function (c) {
        const l = el("label", { class: "option" });
        l.appendChild(el("input", { type: "checkbox", name: "candidate", value: c.id }));
        l.appendChild(document.createTextNode(" " + text(c.name)));
        fs.appendChild(l);
      });
      const l = el("label", { class: "option" });
      l.appendChild(el("input", { type: "checkbox", name: "blank", value: "1" }));
      l.appendChild(document.createTextNode(" " + t("js.assembly.blank")));
      fs.appendChild(l);
    }
    const btn = el("button", { type: "submit" }, t("js.assembly.cast"));
    if (voted && b.secret) {
      btn.disabled = true;
      fs.appendChild(el("p", { class: "note" }, t("js.assembly.voted")));
    } else if (voted) {
      fs.appendChild(el("p", { class: "note" }, t("js.assembly.voted_named")));
    }
    fs.appendChild(btn);
    f.appendChild(fs);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      let choice;
      if (b.kind === "motion") {
        const o = f.querySelector("input[name=option]:checked");
        if (!o) {
          return;
        }
        choice = { option: o.value };
      } else {
        const ids = Array.from(f.querySelectorAll("input[name=candidate]:checked")).map(function (i) { return i.value; });
        if (f.querySelector("input[name=blank]:checked") || ids.length === 0) {
          choice = { option: "abstain" };
        } else if (ids.length > b.seats) {
          S.announce(t("js.assembly.too_many", { k: b.seats }));
          return;
        } else {
          choice = { candidates: ids };
        }
      }
      command("ballot.cast", { ballot: b.id, institution: inst, choice: choice });
    });
    return f;
  }

  function ballotNode(b) {
    const sec = el("article", { class: "ballot", id: "ballot-" + b.id, "aria-labelledby": "ballot-h-" + b.id });
    const h = el("h3", { id: "ballot-h-" + b.id }, text(b.title));
    sec.appendChild(h);
    sec.appendChild(el("p", { class: "note" }, t(STATE[b.state])));
    if (b.text && text(b.text)) {
      sec.appendChild(el("p", { class: "motion-text" }, text(b.text)));
    }
    sec.appendChild(el("p", { class: "rules" }, t("js.assembly.rules") + " " + rulesText(b)));
    if (b.state !== "draft") {
      sec.appendChild(el("p", { class: "turnout", id: "turnout-" + b.id },
        t("js.assembly.turnout", { voted: b.turnout.voted, eligible: b.turnout.eligible })));
    }
    if (b.state === "open") {
      voters().forEach(function (inst) { sec.appendChild(castForm(b, inst)); });
    }
    if (!b.secret && b.state !== "draft") {
      sec.appendChild(votesNode(b));
    }
    if (b.state === "closed" && b.verdict) {
      sec.appendChild(verdictNode(b));
    }
    if (host() && b.state !== "closed") {
      const p = el("p", { class: "buttons" });
      const btn = el("button", { type: "button" }, b.state === "draft" ? t("js.assembly.open") : t("js.assembly.close"));
      btn.addEventListener("click", function () {
        command(b.state === "draft" ? "ballot.open" : "ballot.close", { ballot: b.id });
      });
      p.appendChild(btn);
      sec.appendChild(p);
    }
    return sec;
  }

  function fillSelect(sel, ids, filter) {
    const keep = sel.value;
    sel.textContent = "";
    ids.filter(filter || function () { return true; }).forEach(function (id) {
      const o = el("option", { value: id }, name(id));
      sel.appendChild(o);
    });
    if (keep) {
      sel.value = keep;
    }
  }

  function renderRoll() {
    const r = view.roll;
    $("assembly-quorum").textContent = quorumText(r.quorum);
    const you = $("assembly-you");
    you.textContent = "";
    if (view.you.institutions.length) {
      you.appendChild(document.createTextNode(t("js.assembly.you_act_for") + " "));
      view.you.institutions.forEach(function (id, i) {
        if (i) {
          you.appendChild(document.createTextNode(", "));
        }
        you.appendChild(bdi(name(id)));
      });
      view.you.holds.forEach(function (id) {
        you.appendChild(document.createTextNode(" · " + t("js.assembly.you_hold") + " "));
        you.appendChild(bdi(name(id)));
      });
    }
    const call = $("assembly-call");
    call.hidden = !(r.calling && view.you.institutions.length);
    const btns = $("assembly-call-buttons");
    btns.textContent = "";
    view.you.institutions.forEach(function (id) {
      const present = r.present.indexOf(id) >= 0;
      const b = el("button", { type: "button", "aria-pressed": String(present) });
      b.appendChild(document.createTextNode(t("js.assembly.present") + " "));
      b.appendChild(bdi(name(id)));
      b.addEventListener("click", function () {
        command("roll.mark", { institution: id, present: !present });
      });
      btns.appendChild(b);
    });
    if (host()) {
      $("assembly-host").hidden = false;
      $("assembly-call-toggle").setAttribute("aria-pressed", String(!!r.calling));
      const all = r.members.map(function (m) { return m.institution; });
      const a = r.members.filter(function (m) { return m.status === "A"; }).map(function (m) { return m.institution; });
      fillSelect($("assembly-mark").elements.institution, all);
      fillSelect($("assembly-proxy").elements.from, a);
      fillSelect($("assembly-proxy").elements.to, a);
      const rules = $("assembly-proxy-rules");
      if (!rules.contains(document.activeElement)) { // never undo what the host is typing
        rules.elements.cap.value = String(r.proxy_cap);
        rules.elements.keep.checked = !!r.keep_proxies;
      }
      const ul = $("assembly-proxies");
      ul.textContent = "";
      r.proxies.forEach(function (p) {
        const li = el("li", {});
        li.appendChild(bdi(name(p.from)));
        li.appendChild(document.createTextNode(" → "));
        li.appendChild(bdi(name(p.to)));
        const x = el("button", { type: "button" }, t("js.assembly.proxy_revoke"));
        x.addEventListener("click", function () { command("proxy.revoke", { from: p.from }); });
        li.appendChild(document.createTextNode(" "));
        li.appendChild(x);
        ul.appendChild(li);
      });
    }
  }

  // renderBallots redraws the ballots in place (majlisSession.redraw): a
  // cast form drawn the same is left in place, never taken out of the page
  // — every vote of a named ballot redraws every delegate's panel, and a
  // form rebuilt under a delegate's finger would swallow the press or click
  // begun on the old one. A form that changes (the vote recorded, a
  // candidate added) is replaced, keeping what the voter ticked and where
  // the keyboard focus was.
  function renderBallots() {
    const box = $("assembly-ballots");
    const ticked = {};
    const kept = {};
    let focus = null;
    const keyOf = function (f) { return f.dataset.ballot + "|" + f.dataset.institution; };
    box.querySelectorAll("form.cast").forEach(function (f) {
      const key = keyOf(f);
      kept[key] = f;
      ticked[key] = Array.from(f.querySelectorAll("input:checked")).map(function (i) { return i.name + "=" + i.value; });
      if (f.contains(document.activeElement)) {
        const a = document.activeElement;
        focus = { key: key, sel: a.tagName === "BUTTON" ? "button" : 'input[name="' + a.name + '"][value="' + a.value + '"]' };
      }
    });
    S.redraw(box, view.ballots.map(ballotNode));
    box.querySelectorAll("form.cast").forEach(function (f) {
      const key = keyOf(f);
      if (f === kept[key]) {
        return; // left in place: its ticks and focus are its own
      }
      (ticked[key] || []).forEach(function (nv) {
        const i = nv.indexOf("=");
        const inp = f.querySelector('input[name="' + nv.slice(0, i) + '"][value="' + nv.slice(i + 1) + '"]');
        if (inp) {
          inp.checked = true;
        }
      });
      if (focus && focus.key === key) {
        const e = f.querySelector(focus.sel);
        if (e) {
          e.focus();
        }
      }
    });
  }

  function render() {
    root.hidden = !view || !view.active;
    if (root.hidden) {
      return;
    }
    renderRoll();
    renderBallots();
  }

  S.on("enter", function () { S.send("assembly.get"); });
  // command sends an assembly command; its refusal (or a closed
  // connection: nothing was sent) is shown and announced, never silent.
  const pending = {};
  function problem(text) {
    const p = $("assembly-receipt");
    p.textContent = text;
    S.announce(text);
  }
  function command(type, data) {
    const id = S.send(type, data);
    if (!id) {
      problem(t("js.assembly.err.unavailable"));
      return;
    }
    pending[id] = true;
  }
  S.on("error", function (d, env) {
    if (!env || !pending[env.id]) {
      return;
    }
    delete pending[env.id];
    problem(ERROR[d.code] ? t(ERROR[d.code]) : t("js.assembly.err.other"));
  });
  S.on("assembly", function (d) {
    view = d;
    render();
  });
  S.on("roll", function (d) {
    if (!view || !view.active) {
      S.send("assembly.get");
      return;
    }
    view.roll = d;
    // Presence and proxies change what one may cast for: ask again.
    S.send("assembly.get");
  });
  S.on("ballot", function (d) {
    if (!view || !view.active) {
      S.send("assembly.get");
      return;
    }
    const i = view.ballots.findIndex(function (b) { return b.id === d.id; });
    const before = i >= 0 ? view.ballots[i].state : "";
    if (i >= 0) {
      view.ballots[i] = d;
    } else {
      view.ballots.push(d);
    }
    if (d.state === "open" && before !== "open") {
      S.announce(t("js.assembly.opened", { title: text(d.title) }));
    }
    if (d.state === "closed" && before !== "closed" && d.verdict) {
      S.announce(t("js.assembly.closed", { title: text(d.title), outcome: t(OUTCOME[d.verdict.outcome]) }));
    }
    renderBallots();
  });
  S.on("vote", function (d) {
    const b = view && view.ballots.find(function (x) { return x.id === d.ballot; });
    if (!b) {
      return;
    }
    b.votes = (b.votes || []).filter(function (v) { return v.institution !== d.institution; });
    b.votes.push({ institution: d.institution, via: d.via, choice: d.choice });
    b.votes.sort(function (x, y) { return x.institution < y.institution ? -1 : 1; });
    renderBallots();
  });
  S.on("turnout", function (d) {
    const p = $("turnout-" + d.ballot);
    if (p) {
      p.textContent = t("js.assembly.turnout", { voted: d.voted, eligible: d.eligible });
    }
  });
  S.on("receipt", function (d) {
    (receipts[d.ballot] = receipts[d.ballot] || {})[d.institution] = d.code || "";
    const b = view && view.ballots.find(function (x) { return x.id === d.ballot; });
    if (b) {
      (view.you.voted[b.id] = view.you.voted[b.id] || []).push(d.institution);
    }
    const p = $("assembly-receipt");
    p.textContent = "";
    p.appendChild(document.createTextNode(t("js.assembly.recorded") + " "));
    p.appendChild(bdi(name(d.institution)));
    if (d.code) {
      p.appendChild(document.createTextNode(" — " + t("js.assembly.receipt") + " "));
      p.appendChild(el("code", { dir: "ltr", class: "receipt-code" }, d.code));
    }
    renderBallots();
  });

  $("assembly-call-toggle").addEventListener("click", function () {
    command("roll.call", { open: !(view && view.roll.calling) });
  });
  $("assembly-mark").addEventListener("submit", function (ev) {
    ev.preventDefault();
    command("roll.mark", { institution: ev.target.elements.institution.value, present: ev.submitter ? ev.submitter.value === "true" : true });
  });
  $("assembly-proxy").addEventListener("submit", function (ev) {
    ev.preventDefault();
    command("proxy.grant", { from: ev.target.elements.from.value, to: ev.target.elements.to.value });
  });
  $("assembly-proxy-rules").addEventListener("submit", function (ev) {
    ev.preventDefault();
    command("proxy.rules", { cap: Number(ev.target.elements.cap.value), keep: ev.target.elements.keep.checked });
  });
  // The host's form prepares a motion or an election, its texts in every
  // language the page offers (an empty one is left out).
  const prepare = $("assembly-prepare");
  function texts(prefix) {
    const out = {};
    prepare.querySelectorAll("[name^='" + prefix + "-']").forEach(function (i) {
      if (i.value.trim()) {
        out[i.name.slice(prefix.length + 1)] = i.value;
      }
    });
    return out;
  }
  let candidates = 0;
  function addCandidate() {
    candidates++;
    const row = $("assembly-candidate-row").content.firstElementChild.cloneNode(true);
    row.querySelector("legend").textContent = t("js.assembly.candidate", { n: candidates });
    $("assembly-candidates").appendChild(row);
    return row;
  }
  function showKind() {
    const election = prepare.elements.kind.value === "election";
    $("assembly-prepare-motion").hidden = election;
    $("assembly-prepare-election").hidden = !election;
    while (election && candidates < 2) {
      addCandidate();
    }
  }
  Array.from(prepare.querySelectorAll("input[name=kind]")).forEach(function (r) { r.addEventListener("change", showKind); });
  $("assembly-add-candidate").addEventListener("click", function () {
    const row = addCandidate();
    row.querySelector("input").focus();
  });
  prepare.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const f = prepare.elements;
    const kind = f.kind.value;
    const rules = { quorum: { rule: f.quorum.value, represented: f.represented.checked }, abstentions: f.abstentions.value };
    if (f.quorum.value === "number") {
      rules.quorum.number = parseInt(f.quorum_number.value, 10) || 0;
    }
    const body = { item: f.namedItem("item").value, kind: kind, title: texts("title"), secret: f.secret.checked, rules: rules };
    if (kind === "motion") {
      rules.majority = f.majority.value;
      const tx = texts("text");
      if (Object.keys(tx).length) {
        body.text = tx;
      }
    } else {
      rules.seating = f.seating.value;
      body.seats = parseInt(f.seats.value, 10) || 0;
      body.candidates = [];
      $("assembly-candidates").querySelectorAll("fieldset.candidate").forEach(function (row) {
        const name = {};
        row.querySelectorAll("input[data-lang]").forEach(function (i) {
          if (i.value.trim()) {
            name[i.dataset.lang] = i.value;
          }
        });
        if (Object.keys(name).length) {
          body.candidates.push({ id: "cand-" + (body.candidates.length + 1), name: name });
        }
      });
    }
    command("ballot.prepare", body);
    prepare.reset();
    $("assembly-candidates").textContent = "";
    candidates = 0;
    showKind();
  });
})();
