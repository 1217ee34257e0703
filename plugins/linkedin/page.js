// The LinkedIn drafts page: live character counts and Copy buttons. No network, no libraries.
"use strict";
(function () {
  // LinkedIn's text boxes measure a string the way the browser does: String.length, i.e.
  // UTF-16 code units, with a line break counting one. The page must agree with them.
  function refresh(field) {
    const limit = Number(field.dataset.limit);
    const counter = document.getElementById(field.id + "-count");
    const chars = field.value.length;
    const over = chars - limit;
    counter.textContent =
      chars + " / " + limit + (over > 0 ? " (" + over + " over the limit)" : "");
    counter.dataset.chars = String(chars);
    counter.classList.toggle("over", over > 0);
    field.classList.toggle("over", over > 0);
    field.setAttribute("aria-invalid", over > 0 ? "true" : "false");
  }

  async function copy(button) {
    const field = document.getElementById(button.dataset.target);
    // Selecting first means that even without clipboard access, Ctrl+C copies the draft.
    field.focus();
    field.select();
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      }
    } catch (err) {
      copied = false;
    }
    if (!copied) {
      try {
        copied = document.execCommand("copy");
      } catch (err) {
        copied = false;
      }
    }
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = copied ? "Copied" : "Selected: press Ctrl+C";
    button.classList.toggle("done", copied);
    window.setTimeout(function () {
      button.textContent = label;
      button.classList.remove("done");
    }, 2500);
  }

  document.querySelectorAll("[data-limit]").forEach(function (field) {
    field.addEventListener("input", function () {
      refresh(field);
    });
    refresh(field);
  });
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      copy(button);
    });
  });
})();
