/* Progressive enhancement for every page. Without JavaScript everything here still works:
   the error summary is the first thing in the form and its links jump to the fields. */
(function () {
  "use strict";

  /* Move the focus to a form's error summary when the page loads, so a screen reader reads the
     problems first and a keyboard user starts from them. */
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  /* A page reached with a #fragment (redirect-after-post back to the item) may have its focus
     moved to the fragment's target after DOMContentLoaded: put it back on the errors, unless the
     person has moved it themselves meanwhile. */
  function refocusAfterLoad() {
    var summary = document.querySelector("[data-error-summary]");
    var active = document.activeElement;
    if (summary && active !== summary && (!active || active === document.body || (location.hash && active.id === location.hash.slice(1)))) {
      summary.focus();
    }
  }

  /* An error-summary link focuses its field and scrolls its label (or legend) into view, rather
     than scrolling the bare input to the very top of the window. */
  function linkSummaryToFields() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
      if (!link) {
        return;
      }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) {
        return;
      }
      event.preventDefault();
      var caption = target.tagName === "FIELDSET"
        ? target.querySelector("legend")
        : document.querySelector("label[for='" + target.id + "']");
      var focusable = target;
      if (target.tagName === "FIELDSET") {
        focusable = target.querySelector("input, select, textarea") || target;
      }
      (caption || target).scrollIntoView();
      focusable.focus({ preventScroll: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    linkSummaryToFields();
  });
  window.addEventListener("load", refocusAfterLoad);
})();
