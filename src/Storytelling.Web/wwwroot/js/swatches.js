// Theme colours come from the database; they are set here through the CSSOM rather than in style="" attributes,
// so the Content-Security-Policy can refuse every inline style.
(function () {
  'use strict';
  function paint(root) {
    root.querySelectorAll('[data-colour]').forEach(function (el) {
      el.style.background = el.getAttribute('data-colour');
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { paint(document); });
  } else {
    paint(document);
  }
})();
