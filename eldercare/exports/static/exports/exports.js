/* The exports page: show the province, area or provider list of the chosen level only, offer the
   PDF for the progress report only, and follow a running export's progress. Without JavaScript
   every list shows and the server checks the same rules. */
(function () {
  "use strict";

  function syncScope(form) {
    var checked = form.querySelector("input[name=scope_level]:checked");
    var level = checked ? checked.value : "";
    form.querySelectorAll(".field[data-level]").forEach(function (field) {
      field.hidden = field.getAttribute("data-level") !== level;
    });
  }

  function syncFormats(form) {
    var kind = form.querySelector("select[name=kind]");
    var pdf = form.querySelector("input[name=format][value=pdf]");
    if (!kind || !pdf) return;
    pdf.disabled = kind.value !== "progress";
    if (pdf.disabled && pdf.checked) form.querySelector("input[name=format][value=xlsx]").checked = true;
  }

  function follow(status) {
    function poll() {
      fetch(status.getAttribute("data-status-url"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          document.getElementById("export-progress").value = data.progress;
          status.textContent = data.status_display + (data.rows ? " · " + data.rows : "");
          document.getElementById("export-error").textContent = data.error || "";
          if (data.finished) { window.location.reload(); } else { setTimeout(poll, 2000); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("export-form");
    if (form) {
      form.addEventListener("change", function () { syncScope(form); syncFormats(form); });
      syncScope(form);
      syncFormats(form);
    }
    var status = document.getElementById("export-status");
    if (status && status.getAttribute("data-finished") === "false") follow(status);
  });
})();
