// Keeps the transcription column of the project page current while stories wait or are being transcribed,
// so a facilitator sees "Wordt uitgeschreven: 40%" move without reloading. Polls only while something is pending.
(function () {
  'use strict';
  var section = document.getElementById('stories');
  if (!section) return;
  var url = section.getAttribute('data-stories-url');
  var pending = ['queued', 'transcribing', 'waiting-for-model'];
  // The page's strings in its language (UiLanguages.ScriptText).
  var text = JSON.parse((document.getElementById('ui-text') || {}).textContent || '{}');

  function isPending() {
    return Array.prototype.some.call(section.querySelectorAll('.transcription'), function (cell) {
      return pending.indexOf(cell.getAttribute('data-state')) >= 0;
    });
  }

  function render(cell, t) {
    cell.setAttribute('data-state', t ? t.state : '');
    cell.textContent = '';
    var label = document.createElement('span');
    label.className = 'label';
    label.textContent = t ? t.label : '–';
    cell.appendChild(label);
    if (t && t.state === 'transcribing') {
      var bar = document.createElement('progress');
      bar.max = 100;
      bar.value = t.percent || 0;
      bar.setAttribute('aria-label', text.TranscriptionProgress || '');
      bar.textContent = (t.percent || 0) + '%';
      cell.appendChild(bar);
    }
    if (t && t.reason) {
      var reason = document.createElement('span');
      reason.className = 'reason';
      reason.textContent = t.reason;
      cell.appendChild(reason);
    }
  }

  function poll() {
    if (!isPending() || document.hidden) { setTimeout(poll, 5000); return; }
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (stories) {
        (stories || []).forEach(function (s) {
          var row = section.querySelector('tr[data-story="' + s.id + '"]');
          var cell = row && row.querySelector('.transcription');
          if (cell) render(cell, s.transcription);
        });
      })
      .catch(function () { /* offline for a moment: try again next round */ })
      .then(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 3000);
})();
