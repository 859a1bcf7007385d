// majlis pages: progressive enhancement only. Every page works without
// this script; it adds two conveniences.
"use strict";

// 1. When the viewer has not chosen a time zone yet, use the browser's
//    and reload once with ?tz= (the server then remembers it in a cookie).
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
  url.searchParams.set("tz", zone);
  window.location.replace(url.toString());
})();

// 2. Selecting a time zone or region applies it at once.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () {
    select.form.submit();
  });
});
