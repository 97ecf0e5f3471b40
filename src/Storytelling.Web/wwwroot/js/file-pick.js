// Shows the chosen file's name beside a localized file field (Pages/Shared/_FilePick.cshtml).
(function () {
  'use strict';
  document.addEventListener('change', function (e) {
    var input = e.target;
    if (!input.classList || !input.classList.contains('file-input')) return;
    var chosen = document.getElementById(input.id + '-chosen');
    if (!chosen) return;
    var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    chosen.textContent = names.length ? names.join(', ') : chosen.getAttribute('data-none');
  });
})();
