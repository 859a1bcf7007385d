// The event form of the organizer app (organizer-event.html): as the
// organizer types a start, an end or picks a zone, the table under them
// shows the same times in each region's reference zone, before saving.
// The server fills the table for saved times; without this script the
// form works the same.

const table = document.getElementById("region-times");
const start = document.getElementById("start");
const end = document.getElementById("end");
const zone = document.getElementById("timezone");

// offset is how far zone tz is ahead of UTC at instant t, in ms.
function offset(t, tz) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(t))) parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - t;
}

// instant reads a datetime-local value as a wall time in tz.
function instant(value, tz) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return NaN;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let t = wall;
  for (let i = 0; i < 2; i++) t = wall - offset(t, tz);
  return t;
}

function update() {
  let s, e;
  try {
    s = instant(start.value, zone.value);
    e = instant(end.value, zone.value);
  } catch (err) {
    return; // a zone this browser does not know: the server's figures stay
  }
  if (!(e > s)) return;
  const lang = (document.documentElement.lang || "en") + "-u-nu-latn";
  for (const row of table.querySelectorAll("tr[data-zone]")) {
    const tz = row.dataset.zone;
    const fmt = new Intl.DateTimeFormat(lang, {
      timeZone: tz, weekday: "long", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    row.querySelector(".when").textContent = fmt.formatRange ? fmt.formatRange(new Date(s), new Date(e)) : fmt.format(new Date(s)) + " – " + fmt.format(new Date(e));
    const off = Math.round(offset(s, tz) / 60000);
    const abs = Math.abs(off);
    const hh = String(Math.floor(abs / 60)).padStart(2, "0");
    const mm = String(abs % 60).padStart(2, "0");
    row.querySelector(".zone").textContent = tz + " (UTC" + (off < 0 ? "-" : "+") + hh + ":" + mm + ")";
  }
}

if (table && start && end && zone) {
  for (const el of [start, end, zone]) el.addEventListener("change", update);
  update();
}
