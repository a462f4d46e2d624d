// Keyboard shortcuts of the review page. Forms work without this script;
// it only presses their buttons. Keys typed into a field are the field's.
(function () {
  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function submit(id) {
    var form = document.getElementById(id);
    if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); return true; }
    return false;
  }
  function go(id) {
    var link = document.getElementById(id);
    if (link) { window.location = link.href; return true; }
    return false;
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row"));
  var selected = rows.length ? 0 : -1;
  function select(i) {
    if (!rows.length) return;
    rows.forEach(function (r) { r.classList.remove("selected"); });
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows[selected].classList.add("selected");
    rows[selected].scrollIntoView({block: "nearest"});
  }
  if (rows.length) select(0);
  // A form that may take a while (a decision on a whole list, ranking the
  // queue again) says so at once and takes no second click meanwhile.
  document.querySelectorAll("form[data-working]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var note = document.createElement("p");
      note.className = "flash";
      note.setAttribute("role", "status");
      note.textContent = form.dataset.working;
      form.appendChild(note);
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.target && event.target.id === "reason" && event.key === "Escape") { event.target.blur(); return; }
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    var done = false;
    switch (event.key) {
      case "a": done = submit("accept"); break;
      case "r": var reason = document.getElementById("reason"); if (reason) { reason.focus(); done = true; } break;
      case "s": done = go("skip"); break;
      case "e": done = go("edit"); break;
      case "u": done = submit("undo") || submit("undo-batch"); break;
      case "q": if (!go("back")) window.location = "/"; done = true; break;
      case "j": select(selected + 1); done = rows.length > 0; break;
      case "k": select(selected - 1); done = rows.length > 0; break;
      case "/": var q = document.querySelector("input[name=q]"); if (q) { q.focus(); done = true; } break;
      case "Enter": if (selected >= 0) { window.location = rows[selected].dataset.href; done = true; } break;
    }
    if (done) event.preventDefault();
  });
})();
