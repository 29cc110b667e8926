/* Exam page helpers. Everything works without this file: it only adds autosave (the live timer is static/js/exam-timer.js). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var status = document.getElementById("autosave-status");
  if (form && window.fetch && window.FormData) {
    var pending = null;
    var save = function () {
      pending = null;
      var data = new FormData(form);
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                           headers: { "X-Autosave": "1", "Accept": "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (res.ok) { if (status) status.textContent = "Answers saved at " + res.body.at + " UTC."; }
          else if (res.body && res.body.result) { window.location.assign(res.body.result); }
          else if (res.body && res.body.error && status) { status.textContent = res.body.error; }
        })
        .catch(function () { if (status) status.textContent = "Could not save automatically; use the Save buttons."; });
    };
    var schedule = function () { if (pending) clearTimeout(pending); pending = setTimeout(save, 1500); };
    form.addEventListener("change", schedule);
    form.addEventListener("input", schedule);
  }
  /* The timer is the shared one: static/js/exam-timer.js, loaded by base.html. */
})();
