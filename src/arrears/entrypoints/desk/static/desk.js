// Desk behaviour without inline scripts (the CSP forbids them).
(function () {
  "use strict";
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  // Every HTMX request carries the CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (evt) {
    var token = csrf();
    if (token) { evt.detail.headers["X-CSRF-Token"] = token; }
  });
  // Buttons with data-confirm ask before submitting.
  document.addEventListener("click", function (evt) {
    var el = evt.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { evt.preventDefault(); }
  });
  // A form with data-reset-on-success is cleared after a successful HTMX save.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("form[data-reset-on-success]") &&
        evt.detail.successful) { form.reset(); }
  });
})();
// After a contact is saved the form is cleared for the next one.
document.addEventListener("contact-saved", function () {
  var form = document.getElementById("contact-form");
  if (form) { form.reset(); }
});
