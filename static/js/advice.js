/* Business page: request fresh advice without leaving the page, then poll its status and
   reload the advice section when it is ready. Without JavaScript the forms post and the page
   reloads: everything still works. */
(function () {
  "use strict";
  var section = document.getElementById("advice");
  if (!section || !window.fetch) { return; }
  var statusUrl = section.getAttribute("data-status-url");
  var sectionUrl = section.getAttribute("data-section-url");
  var timer = null;

  function csrfToken() {
    var input = section.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function reloadSection() {
    return fetch(sectionUrl, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      section.innerHTML = html;
      bind();
    });
  }

  function poll(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (state) {
          if (state.finished) { return reloadSection(); }
          poll(Math.min(delay * 1.5, 5000));
        })
        .catch(function () { poll(Math.min(delay * 2, 15000)); });
    }, delay);
  }

  function bind() {
    var form = section.querySelector("form.request-advice");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button");
        if (button) { button.disabled = true; }
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }
        }).then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return reloadSection();
        }).catch(function () { form.submit(); });
      });
    }
    if (section.querySelector("[data-advice-pending]")) { poll(1000); }
  }

  bind();
}());
