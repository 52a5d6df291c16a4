/* uid fields: "Generate from <target>" asks the server for a free slug of the target field.
 *
 * The button (templates/fields/form/uid.html, hidden without JavaScript) sends the target
 * field's current text to GET /admin/api/uid/<type>/<field> (admin/uid.py), which slugifies
 * it and appends -1, -2, ... while another entry holds the value; the answer fills the input,
 * and a line under it says whether the plain slug was taken.
 */
(function () {
  "use strict";

  function setup(root) {
    var button = root.querySelector('[data-role="generate"]');
    var status = root.querySelector('[data-role="status"]');
    var input = root.querySelector("input");
    if (!button || !input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = input.form && input.form.querySelector('[name="' + root.dataset.target + '"]');
      var params = new URLSearchParams({ value: target ? target.value : "" });
      if (root.dataset.pk) params.set("pk", root.dataset.pk);
      button.disabled = true;
      status.textContent = "Generating…";
      fetch(root.dataset.url + "?" + params.toString(), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) throw new Error("the server answered " + response.status);
        return response.json();
      }).then(function (answer) {
        var data = answer.data;
        input.value = data.value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
        status.textContent = data.taken ? "“" + data.slug + "” is taken: “" + data.value + "” is free."
          : "“" + data.value + "” is free.";
      }).catch(function (error) {
        status.textContent = "Could not generate a value: " + error.message;
      }).finally(function () {
        button.disabled = false;
      });
    });
  }

  function ready() { document.querySelectorAll("[data-cms-uid]").forEach(setup); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
