// The case page: presence (who else is viewing or typing), a tone check on a pause in typing,
// "insert link" for suggested articles, and keyboard shortcuts. Every form works without this script.
(function () {
  "use strict";
  var root = document.getElementById("casework");
  if (!root) { return; }
  var caseId = root.getAttribute("data-case");
  var version = root.getAttribute("data-version");
  var csrfInput = document.querySelector("#reply-form input[name=csrf_token]");
  var csrf = csrfInput ? csrfInput.value : "";
  var draft = document.getElementById("draft-text");
  var typingUntil = 0;

  function post(path, fields) {
    var body = new URLSearchParams();
    body.set("csrf_token", csrf);
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    return fetch("/cases/" + caseId + path, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) { return r.json(); });
  }

  function showPresence(data) {
    var box = document.getElementById("presence");
    if (!box || !data || !data.others) { return; }
    box.textContent = data.others.length ? "Also here: " + data.others.map(function (o) {
      return o.user + (o.typing ? " (typing)" : " (viewing)");
    }).join(", ") + "." : "";
    if (String(data.version) !== String(version)) {
      var changed = document.getElementById("case-changed");
      if (changed) { changed.hidden = false; }
    }
  }

  function beat(leaving) {
    var typing = Date.now() < typingUntil ? "1" : "";
    return post("/presence", leaving ? { leaving: "1" } : { typing: typing }).then(showPresence, function () {});
  }
  beat(false);
  var timer = setInterval(function () { beat(false); }, 5000);
  window.addEventListener("pagehide", function () {
    clearInterval(timer);
    var body = new URLSearchParams();
    body.set("csrf_token", csrf);
    body.set("leaving", "1");
    if (navigator.sendBeacon) { navigator.sendBeacon("/cases/" + caseId + "/presence", body); }
  });

  // The tone check on a pause in typing (1.2 s), through the same service as the "Check tone" button.
  function flagList(flags) {
    var ul = document.createElement("ul");
    ul.className = "tone-flags";
    flags.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "tone-flag sev-" + f.severity;
      var code = document.createElement("strong");
      code.textContent = f.code.replace(/_/g, " ");
      li.appendChild(code);
      li.appendChild(document.createTextNode(": " + f.why + " Fix: " + f.fix));
      ul.appendChild(li);
    });
    return ul;
  }
  function showTone(result) {
    var live = document.getElementById("tone-live");
    if (!live || !result) { return; }
    live.textContent = "";
    var div = document.createElement("div");
    div.className = "tone-result";
    div.id = "tone-result";
    div.setAttribute("role", "status");
    var p = document.createElement("p");
    if (result.error) {
      p.textContent = result.error.message;
    } else {
      var n = result.flags.length;
      p.textContent = n ? n + " tone flag" + (n === 1 ? "" : "s") + " on " + (result.platform || "any platform") + ":"
        : "No tone flags on " + (result.platform || "any platform") + ".";
    }
    div.appendChild(p);
    if (result.flags && result.flags.length) { div.appendChild(flagList(result.flags)); }
    live.appendChild(div);
  }
  var pause = null;
  function checkSoon() {
    typingUntil = Date.now() + 15000;
    if (pause) { clearTimeout(pause); }
    pause = setTimeout(function () {
      if (!draft.value.trim()) { return; }
      post("/tone", { text: draft.value }).then(showTone, function () {});
    }, 1200);
  }
  if (draft) {
    draft.addEventListener("input", checkSoon);
    draft.addEventListener("focus", function () { typingUntil = Date.now() + 15000; beat(false); });
  }

  // "Insert link" puts a suggested article's url into the draft, at the cursor.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".insert-link") : null;
    if (!button || !draft) { return; }
    var text = button.getAttribute("data-insert");
    var at = typeof draft.selectionStart === "number" ? draft.selectionStart : draft.value.length;
    var before = draft.value.slice(0, at);
    var after = draft.value.slice(at);
    var pad = before && !/\s$/.test(before) ? " " : "";
    draft.value = before + pad + text + (after && !/^\s/.test(after) ? " " : "") + after;
    draft.focus();
    checkSoon();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".use-saved")) { checkSoon(); }
  });

  // Keyboard shortcuts: j/k next/previous case, r reply, n note, a assign to me, e resolve, ? the list.
  function typingIn(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typingIn(event.target)) { event.target.blur(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) { return; }
    var go = null;
    if (event.key === "j") { go = root.getAttribute("data-next"); }
    if (event.key === "k") { go = root.getAttribute("data-prev"); }
    if (go) { window.location.href = "/cases/" + go; event.preventDefault(); return; }
    if (event.key === "r" && draft) { draft.focus(); event.preventDefault(); }
    else if (event.key === "n") { var note = document.getElementById("note-text"); if (note) { note.focus(); event.preventDefault(); } }
    else if (event.key === "a") { var f = document.getElementById("assign-me"); if (f) { f.submit(); } }
    else if (event.key === "e") { var g = document.getElementById("resolve-form"); if (g) { g.submit(); } }
    else if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help) { help.hidden = !help.hidden; event.preventDefault(); }
    }
  });
})();
