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

  s.on("welcome", function (d) {
    if (d && d.webinar) {
      webinar = d.webinar;
    }
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
