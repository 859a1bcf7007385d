// majlis pages: progressive enhancement only. Every page works without
// this script; it adds one convenience. (Selects never act on change: an
// arrow key in a select would leave the page, WCAG 3.2.2; forms have a
// submit button.)
"use strict";

// 1. When the viewer has not chosen a time zone yet, use the browser's
//    and reload once with ?tz= (the server then remembers it in a cookie).
//    Never more than once: when the address already asks for that zone
//    and the page still says none was chosen (an error page, cookies
//    refused), reloading again would loop forever.
(function detectZone() {
  var body = document.body;
  if (!body || body.getAttribute("data-tz-chosen") === "true") {
    return;
  }
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || zone === body.getAttribute("data-tz")) {
    return;
  }
  var url = new URL(window.location.href);
  if (url.searchParams.get("tz") === zone) {
    return;
  }
  try {
    var key = "majlis.tz-reload." + url.pathname;
    if (window.sessionStorage.getItem(key) === zone) {
      return; // this tab already tried once
    }
    window.sessionStorage.setItem(key, zone);
  } catch (e) {
    // No storage (private mode): the ?tz= check above still stops a loop.
  }
  url.searchParams.set("tz", zone);
  window.location.replace(url.toString());
})();
