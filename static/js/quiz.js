/* Exam page helpers. Everything works without this file: it only adds autosave and a live timer. */
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
        })
        .catch(function () { if (status) status.textContent = "Could not save automatically; use the Save buttons."; });
    };
    var schedule = function () { if (pending) clearTimeout(pending); pending = setTimeout(save, 1500); };
    form.addEventListener("change", schedule);
    form.addEventListener("input", schedule);
  }
  var timer = document.getElementById("quiz-timer");
  var announce = document.getElementById("quiz-timer-announce");
  if (timer) {
    var end = Date.now() + parseInt(timer.getAttribute("data-seconds-left"), 10) * 1000;
    var said = {};
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      timer.textContent = "Time left: " + minutes + " min " + (left % 60) + " s.";
      [10, 5, 1].forEach(function (m) {
        if (minutes < m && !said[m] && left > 0 && announce) {
          said[m] = true;
          announce.textContent = "Less than " + m + " minute" + (m === 1 ? "" : "s") + " left.";
        }
      });
      if (left === 0) {
        if (announce) announce.textContent = "Time is up. Your saved answers will be submitted.";
        clearInterval(handle);
      }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }
})();
