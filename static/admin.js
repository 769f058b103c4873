// Progressive enhancement for the admin pages: follow a bulk issuance run without reloading.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) instead.
(function () {
  "use strict";
  var section = document.getElementById("bulk-progress");
  if (!section || section.getAttribute("data-state") === "finished") { return; }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("bulk-progress-bar");
  var text = document.getElementById("bulk-progress-text");
  var failures = document.getElementById("bulk-progress-failures");
  var heading = section.querySelector("h2");
  var stalled = document.getElementById("bulk-progress-stalled");
  var titles = {
    queued: "Waiting to start…", running: "Issuing…", finished: "Finished", stalled: "Stopped"
  };

  function show(status) {
    bar.max = Math.max(status.total, 1);
    bar.value = status.processed;
    bar.textContent = status.processed + " of " + status.total;
    text.textContent = status.processed + " of " + status.total + " rows processed · " +
      status.issued + " issued · " + status.skipped + " already issued · " +
      status.failed + " not issued";
    heading.textContent = titles[status.state] || status.state;
    stalled.hidden = status.state !== "stalled";
    failures.replaceChildren.apply(failures, status.failures.map(function (f) {
      var item = document.createElement("li");
      item.textContent = "Line " + f.line + ": " + f.message;
      return item;
    }));
    section.setAttribute("data-state", status.state);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.state === "queued" || status.state === "running") {
          window.setTimeout(poll, 1000);
        } else if (status.state === "finished") {
          window.location.reload();  // the finished page lists every row with its badge link
        }
      })
      .catch(function () {
        text.textContent = "Could not fetch the progress; reload the page to see it.";
      });
  }

  poll();
})();
