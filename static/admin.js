// Progressive enhancement for the admin pages: follow a bulk issuance run without reloading.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) instead.
(function () {
  "use strict";
  var section = document.getElementById("bulk-progress");
  if (!section) { return; }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("bulk-progress-bar");
  var text = document.getElementById("bulk-progress-text");
  var errorText = document.getElementById("bulk-progress-error");
  var failures = document.getElementById("bulk-progress-failures");
  var heading = section.querySelector("h2");
  var titles = { running: "Issuing…", finished: "Finished", failed: "Stopped" };

  function show(status) {
    bar.max = Math.max(status.total, 1);
    bar.value = status.processed;
    bar.textContent = status.processed + " of " + status.total;
    text.textContent = status.processed + " of " + status.total + " processed · " +
      status.issued + " issued · " + status.failed + " not issued";
    heading.textContent = titles[status.state] || status.state;
    errorText.hidden = !status.error;
    errorText.textContent = status.error || "";
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
        if (status.state === "running") { window.setTimeout(poll, 1000); }
        // The run ended while this page watched: load it again for the list of issued badges.
        else if (section.getAttribute("data-loaded-state") === "running") { window.location.reload(); }
      })
      .catch(function () {
        text.textContent = "Could not fetch the progress; reload the page to see it.";
      });
  }

  poll();
})();
