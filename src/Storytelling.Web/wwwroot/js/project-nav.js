// The project navigation's row of steps scrolls sideways on a phone. Keep the current step in view when a page opens,
// and the whole of a step in view when the keyboard reaches it (the browser stops scrolling at "partly visible").
(function () {
  'use strict';
  var row = document.querySelector('.project-nav .project-sections');
  if (!row) return;
  function reveal(link) {
    var r = link.getBoundingClientRect(), box = row.getBoundingClientRect();
    if (r.left < box.left) row.scrollLeft -= box.left - r.left + 24;
    else if (r.right > box.right) row.scrollLeft += r.right - box.right + 24;
  }
  var current = row.querySelector('a[aria-current]');
  if (current) reveal(current);
  row.addEventListener('focusin', function (e) { if (e.target.matches('a')) reveal(e.target); });
})();
