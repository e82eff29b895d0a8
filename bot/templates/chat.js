// The web chat without page reloads: the same form is posted in the background and only the new
// replies are appended to the log (role="log"), which a screen reader announces. Without JavaScript
// (or if anything here fails) the form posts as usual and the whole page comes back.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.URLSearchParams) return;

  function replace(id, next) {
    var mine = document.getElementById(id), theirs = next.getElementById(id);
    if (mine && theirs) mine.replaceWith(document.importNode(theirs, true));
  }

  function update(next) {
    var log = document.getElementById("log"), nextLog = next.getElementById("log");
    if (!log || !nextLog) throw new Error("not a chat page");
    var kept = {};
    Array.prototype.forEach.call(nextLog.children, function (li) { kept[li.dataset.seq] = li; });
    Array.prototype.slice.call(log.children).forEach(function (li) {
      var theirs = kept[li.dataset.seq];
      if (!theirs) { li.remove(); return; }
      var choices = li.querySelector(".choices");
      if (choices && !theirs.querySelector(".choices")) choices.remove();
      li.removeAttribute("id");
      delete kept[li.dataset.seq];
    });
    Array.prototype.forEach.call(nextLog.children, function (li) {
      if (kept[li.dataset.seq]) log.appendChild(document.importNode(li, true));
    });
    document.documentElement.lang = next.documentElement.lang;
    document.documentElement.dir = next.documentElement.dir;
    document.title = next.title;
    ["top", "notice", "say", "bottom", "log-title"].forEach(function (id) { replace(id, next); });
    var latest = document.getElementById("latest");
    if (latest) latest.scrollIntoView({ block: "start" });
    var input = document.getElementById("text");
    if (input) input.focus({ preventScroll: true });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "say") return;
    event.preventDefault();
    var data = new URLSearchParams(new FormData(form, event.submitter || null));
    form.setAttribute("aria-busy", "true");
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { update(new DOMParser().parseFromString(html, "text/html")); })
      .catch(function () { form.submit(); });
  });
})();
