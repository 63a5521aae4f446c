/* ai_commerce admin: live progress of training runs. Each element with data-ai-progress-url is polled every 2 s
   until its run has finished; with data-ai-reload="1" the page then reloads once, to show the new version. */
(function () {
  "use strict";
  function watch(el) {
    var url = el.getAttribute("data-ai-progress-url");
    // The page was rendered with the run queued or running: its end, even before the first poll, means reload.
    var sawUnfinished = ["queued", "running"].indexOf(el.getAttribute("data-ai-status")) !== -1;
    function tick() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          var run = data.runs && data.runs[0];
          if (!run) { return; }
          var bar = el.querySelector("progress"), text = el.querySelector(".ai-run-text");
          var status = el.querySelector(".ai-run-status");
          if (bar) { bar.value = run.progress; }
          if (text) { text.textContent = run.progress + "% " + (run.message || ""); }
          if (status) { status.textContent = run.status_label; status.className = "ai-run-status ai-status-" + run.status; }
          el.setAttribute("data-ai-status", run.status);
          if (!run.finished) { sawUnfinished = true; window.setTimeout(tick, 2000); return; }
          if (sawUnfinished && el.getAttribute("data-ai-reload") === "1") { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(tick, 6000); });
    }
    tick();
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ai-progress-url]"), watch);
  });
})();
