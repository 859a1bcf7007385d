// The organizer app's passkeys (signin.html, organizer.html): enrol a
// passkey with a sign-in link, sign in with a passkey, add one more. The
// WebAuthn options come from the server as JSON with base64url binary
// fields; this module turns them into the ArrayBuffers the browser wants
// and the answers back into JSON. Every message is the page's, from its
// data- attributes; nothing is inserted as HTML.

const b64 = {
  decode(s) {
    const pad = "=".repeat((4 - (s.length % 4)) % 4);
    const bin = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  },
  encode(buf) {
    let bin = "";
    for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  },
};

function creationOptions(o) {
  const pk = { ...o.publicKey, challenge: b64.decode(o.publicKey.challenge) };
  pk.user = { ...pk.user, id: b64.decode(pk.user.id) };
  pk.excludeCredentials = (pk.excludeCredentials || []).map((c) => ({ ...c, id: b64.decode(c.id) }));
  return { publicKey: pk };
}

function requestOptions(o) {
  const pk = { ...o.publicKey, challenge: b64.decode(o.publicKey.challenge) };
  pk.allowCredentials = (pk.allowCredentials || []).map((c) => ({ ...c, id: b64.decode(c.id) }));
  return { publicKey: pk };
}

function credentialJSON(cred) {
  const r = cred.response;
  const response = { clientDataJSON: b64.encode(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = b64.encode(r.attestationObject);
    if (r.getTransports) response.transports = r.getTransports();
  } else {
    response.authenticatorData = b64.encode(r.authenticatorData);
    response.signature = b64.encode(r.signature);
    if (r.userHandle) response.userHandle = b64.encode(r.userHandle);
  }
  return {
    id: cred.id, rawId: b64.encode(cred.rawId), type: cred.type, response,
    clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
  };
}

// post sends JSON with the session's CSRF token, if any; it throws the
// API's error code.
async function post(path, body, csrf) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const res = await fetch(path, { method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin" });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data.error && data.error.code) || "failed");
  return data;
}

// ceremony runs one passkey ceremony: begin, the browser's dialog, finish.
async function ceremony(kind, body, csrf) {
  const begun = await post(`/organizer/passkeys/${kind}/begin`, body, csrf);
  const cred = kind === "enrol"
    ? await navigator.credentials.create(creationOptions(begun.options))
    : await navigator.credentials.get(requestOptions(begun.options));
  return post(`/organizer/passkeys/${kind}/finish?ceremony=${encodeURIComponent(begun.ceremony)}`, credentialJSON(cred), csrf);
}

// wire makes button run a ceremony, telling progress and failure in msg
// with the words of box's data- attributes.
function wire(button, msg, box, kind, body, done) {
  if (!button) return;
  const say = (name) => { msg.textContent = box.dataset[name] || box.dataset.failed; };
  if (!window.PublicKeyCredential || !navigator.credentials) {
    button.disabled = true;
    say("unsupported");
    return;
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    say("working");
    try {
      done(await ceremony(kind, body(), box.dataset.csrf));
    } catch (err) {
      const code = err && err.name === "NotAllowedError" ? "cancelled" : err && err.message;
      const names = {
        cancelled: "cancelled", rate_limited: "tooMany", passkey_refused: "refused",
        link_used: "linkUsed", link_expired: "linkExpired", link_unknown: "linkUnknown",
      };
      say(names[code] || "failed");
      button.disabled = false;
      button.focus();
    }
  });
}

const signin = document.getElementById("signin");
if (signin) {
  const msg = document.getElementById("signin-msg");
  const go = (res) => { window.location.assign(res.next || "/organizer/"); };
  const enrol = document.getElementById("enrol");
  wire(enrol, msg, signin, "enrol", () => ({ link: enrol.dataset.link }), go);
  wire(document.getElementById("passkey-login"), msg, signin, "login", () => ({}), go);
}

const passkeys = document.getElementById("passkeys");
if (passkeys) {
  const msg = document.getElementById("passkey-msg");
  wire(document.getElementById("add-passkey"), msg, passkeys, "enrol", () => ({}), () => {
    msg.textContent = passkeys.dataset.added;
    window.setTimeout(() => window.location.reload(), 800);
  });
}
