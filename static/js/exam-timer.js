/* Exam timer: a live countdown for an element rendered by the exam_timer macro (templates/macros.html):

     <div data-exam-timer data-deadline="2026-11-28T14:30:00Z" data-server-now="2026-11-28T13:45:00Z">
       … <strong data-exam-timer-clock>about 45 minutes when this page was loaded</strong>
       <p class="usa-sr-only" aria-live="polite" data-exam-timer-status></p>
     </div>

   The time left is worked out from the server's two figures (deadline minus the server's clock when
   it rendered the page) and a monotonic clock since the page loaded, so a wrong or changed clock on
   the computer changes nothing. The visible clock updates every second (it is not a live region, so
   screen readers are not interrupted); when the time left crosses 5 minutes and 1 minute, a warning
   is written into the polite live region, once each. Warnings already passed when the page loads
   are not repeated (the visible clock shows them). Nothing is enforced here: the server refuses
   late answers whatever this script shows. Without JavaScript the element keeps its server text.

   window.PortalExamTimer.start(element) starts a timer on an element added later. */
(function () {
  "use strict";

  var WARNING_MINUTES = [5, 1];

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  /* "1 h 05 min", "14 min 05 s", "45 s": unambiguous, unlike "14:05" which reads as a time of day. */
  function clockText(seconds) {
    if (seconds <= 0) {
      return "0 s: the time is up";
    }
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (h > 0) {
      return h + " h " + pad(m) + " min";
    }
    if (m > 0) {
      return m + " min " + pad(s) + " s";
    }
    return s + " s";
  }

  function start(root) {
    if (!root || root.getAttribute("data-exam-timer-started")) {
      return null;
    }
    var deadline = Date.parse(root.getAttribute("data-deadline") || "");
    var serverNow = Date.parse(root.getAttribute("data-server-now") || "");
    if (isNaN(deadline) || isNaN(serverNow)) {
      return null; // keep the server's text: it states the deadline
    }
    root.setAttribute("data-exam-timer-started", "true");
    var leftAtLoad = deadline - serverNow; // milliseconds, by the server's clock
    var loadedAt = performance.now();
    var clock = root.querySelector("[data-exam-timer-clock]");
    var status = root.querySelector("[data-exam-timer-status]");
    var announced = {};
    WARNING_MINUTES.forEach(function (minutes) {
      announced[minutes] = leftAtLoad <= minutes * 60000;
    });
    var expired = leftAtLoad <= 0;
    var timer = null;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function tick() {
      var left = leftAtLoad - (performance.now() - loadedAt);
      var seconds = Math.max(0, Math.ceil(left / 1000));
      if (clock) {
        clock.textContent = clockText(seconds);
      }
      root.classList.toggle("portal-timer--warning", left <= WARNING_MINUTES[0] * 60000);
      WARNING_MINUTES.forEach(function (minutes) {
        if (!announced[minutes] && left <= minutes * 60000 && left > 0) {
          announced[minutes] = true;
          say("Warning: " + plural(minutes, "minute") + " left to submit your answers.");
        }
      });
      if (left <= 0 && !expired) {
        expired = true;
        say(root.getAttribute("data-expired-message") || "The time is up. Answers sent now are not accepted.");
      }
      if (left <= 0 && timer !== null) {
        window.clearInterval(timer);
        timer = null;
      }
    }

    tick();
    if (leftAtLoad > 0) {
      timer = window.setInterval(tick, 1000);
    }
    return {
      stop: function () {
        if (timer !== null) {
          window.clearInterval(timer);
          timer = null;
        }
      },
      secondsLeft: function () {
        return Math.max(0, Math.ceil((leftAtLoad - (performance.now() - loadedAt)) / 1000));
      }
    };
  }

  window.PortalExamTimer = { start: start, clockText: clockText };

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-exam-timer]"), start);
  });
})();
