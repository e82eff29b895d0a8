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
      if (!theirs.querySelector(".choices")) {
        Array.prototype.forEach.call(li.querySelectorAll(".choices"), function (old) { old.remove(); });
      }
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
    offerLocation();
  }

  // "Share my location" where a reply asks where the person is: the browser's position, sent as the
  // "@lat,lon" the conversation reads as a shared location (rounded there to about 100 m).
  function offerLocation() {
    if (!navigator.geolocation) return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-locate]"), function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "yes";
      button.hidden = false;
      button.addEventListener("click", function () {
        var form = document.getElementById("say"), input = document.getElementById("text");
        button.disabled = true;
        navigator.geolocation.getCurrentPosition(function (where) {
          input.value = "@" + where.coords.latitude.toFixed(4) + "," + where.coords.longitude.toFixed(4);
          form.requestSubmit();
        }, function () {
          button.disabled = false;
          input.focus();
        }, { timeout: 15000, maximumAge: 60000 });
      });
    });
  }
  offerLocation();

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
