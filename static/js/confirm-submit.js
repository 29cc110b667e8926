/* Confirm before submitting a form that still has unanswered questions.

     <form method="post" data-confirm-unanswered>
       <fieldset id="q-12" data-question data-question-label="Question 1"> … inputs … </fieldset>
       …
       <button type="submit">Submit exam</button>
       <button type="submit" name="save" data-no-confirm>Save and come back later</button>
     </form>

   On submit, each [data-question] element with no answer (no box ticked, no option chosen, no text
   typed) is listed in a warning panel placed above the submit button, each entry a link to its
   question; the focus moves to the panel, whose buttons either submit anyway or go back to the
   first unanswered question. A submit button carrying data-no-confirm skips the check. Without
   JavaScript the form submits as usual (the server accepts unanswered questions as unanswered). */
(function () {
  "use strict";

  var counter = 0;

  function isAnswered(question) {
    var controls = question.querySelectorAll("input, select, textarea");
    for (var i = 0; i < controls.length; i += 1) {
      var c = controls[i];
      var type = (c.getAttribute("type") || "").toLowerCase();
      if (["hidden", "submit", "button", "reset", "image"].indexOf(type) !== -1 || c.disabled) {
        continue;
      }
      if (type === "checkbox" || type === "radio") {
        if (c.checked) {
          return true;
        }
      } else if ((c.value || "").trim() !== "") {
        return true;
      }
    }
    return false;
  }

  function labelOf(question, index) {
    var label = question.getAttribute("data-question-label");
    if (!label) {
      var legend = question.querySelector("legend");
      label = legend ? legend.textContent.trim() : "Question " + (index + 1);
    }
    return label;
  }

  function firstControl(question) {
    return question.querySelector("input:not([type=hidden]), select, textarea") || question;
  }

  function removePanel(form) {
    var old = form.querySelector("[data-confirm-panel]");
    if (old) {
      old.parentNode.removeChild(old);
    }
  }

  function submitFor(form, submitter) {
    form.setAttribute("data-confirmed", "true");
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(submitter || undefined);
      return;
    }
    if (submitter && submitter.name) {
      var carry = document.createElement("input");
      carry.type = "hidden";
      carry.name = submitter.name;
      carry.value = submitter.value;
      form.appendChild(carry);
    }
    form.submit();
  }

  function showPanel(form, submitter, missing) {
    removePanel(form);
    counter += 1;
    var headingId = "confirm-unanswered-heading-" + counter;
    var panel = document.createElement("div");
    panel.className = "usa-alert usa-alert--warning portal-confirm";
    panel.setAttribute("data-confirm-panel", "");
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-labelledby", headingId);
    panel.tabIndex = -1;

    var body = document.createElement("div");
    body.className = "usa-alert__body";
    var heading = document.createElement("h2");
    heading.className = "usa-alert__heading";
    heading.id = headingId;
    heading.textContent = missing.length === 1
      ? "1 question is not answered"
      : missing.length + " questions are not answered";
    body.appendChild(heading);

    var list = document.createElement("ul");
    list.className = "usa-list";
    missing.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      if (!item.question.id) {
        counter += 1;
        item.question.id = "unanswered-question-" + counter;
      }
      a.href = "#" + item.question.id;
      a.textContent = item.label;
      a.addEventListener("click", function (event) {
        event.preventDefault();
        item.question.scrollIntoView();
        firstControl(item.question).focus({ preventScroll: true });
      });
      li.appendChild(a);
      list.appendChild(li);
    });
    body.appendChild(list);

    var text = document.createElement("p");
    text.className = "usa-alert__text";
    text.textContent = "Unanswered questions score no points. You can go back and answer them, or submit now.";
    body.appendChild(text);

    var actions = document.createElement("div");
    actions.className = "portal-actions";
    var go = document.createElement("button");
    go.type = "button";
    go.className = "usa-button";
    go.setAttribute("data-confirm-submit", "");
    go.textContent = "Submit anyway";
    go.addEventListener("click", function () {
      removePanel(form);
      submitFor(form, submitter);
    });
    var back = document.createElement("button");
    back.type = "button";
    back.className = "usa-button usa-button--outline";
    back.setAttribute("data-confirm-cancel", "");
    back.textContent = "Go back to the questions";
    back.addEventListener("click", function () {
      removePanel(form);
      missing[0].question.scrollIntoView();
      firstControl(missing[0].question).focus({ preventScroll: true });
    });
    actions.appendChild(go);
    actions.appendChild(back);
    body.appendChild(actions);
    panel.appendChild(body);

    var anchor = submitter ? (submitter.closest(".portal-actions") || submitter) : null;
    if (anchor && form.contains(anchor)) {
      anchor.parentNode.insertBefore(panel, anchor);
    } else {
      form.appendChild(panel);
    }
    panel.focus();
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm-unanswered")) {
      return;
    }
    if (form.getAttribute("data-confirmed") === "true") {
      return;
    }
    var submitter = event.submitter || null;
    if (submitter && submitter.hasAttribute("data-no-confirm")) {
      return;
    }
    var missing = [];
    Array.prototype.forEach.call(form.querySelectorAll("[data-question]"), function (question, index) {
      if (!isAnswered(question)) {
        missing.push({ question: question, label: labelOf(question, index) });
      }
    });
    if (!missing.length) {
      return;
    }
    event.preventDefault();
    showPanel(form, submitter, missing);
  }

  document.addEventListener("submit", onSubmit);
  window.PortalConfirmSubmit = { isAnswered: isAnswered };
})();
