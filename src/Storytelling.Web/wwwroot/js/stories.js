// Keeps the transcription column of the project page current while stories wait or are being transcribed,
// so a facilitator sees "Wordt uitgeschreven: 40%" move without reloading. The server pushes every change over the
// project hub (no polling); the page asks for the list once after (re)connecting, to catch up on what it missed,
// and once after a job ends, for the label and reason in its own language.
(function () {
  'use strict';
  var section = document.getElementById('stories');
  if (!section) return;
  var url = section.getAttribute('data-stories-url');
  var projectId = section.getAttribute('data-project');
  var runningLabel = section.getAttribute('data-running-label') || '{0}%';
  var pending = ['queued', 'transcribing', 'waiting-for-model'];
  // The page's strings in its language (UiLanguages.ScriptText).
  var text = JSON.parse((document.getElementById('ui-text') || {}).textContent || '{}');

  function isPending() {
    return Array.prototype.some.call(section.querySelectorAll('.transcription'), function (cell) {
      return pending.indexOf(cell.getAttribute('data-state')) >= 0;
    });
  }

  function cellOf(storyId) {
    var row = section.querySelector('tr[data-story="' + storyId + '"]');
    return row && row.querySelector('.transcription');
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

  function refresh() {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (stories) {
        (stories || []).forEach(function (s) {
          var cell = cellOf(s.id);
          if (cell) render(cell, s.transcription);
        });
      })
      .catch(function () { /* offline for a moment: the next reconnect catches up */ });
  }

  var soon = null;
  function refreshSoon() {
    clearTimeout(soon);
    soon = setTimeout(refresh, 200);
  }

  function onJob(m) {
    var cell = cellOf(m.storyId);
    if (!cell) return; // not on this page: filtered out, another page, or newer than the page
    if (m.state === 'transcribing') {
      render(cell, { state: m.state, percent: m.percent, label: runningLabel.replace('{0}', String(m.percent || 0)) });
    } else {
      // Labels and reasons come from the server in the reader's language; messages carry no text.
      cell.setAttribute('data-state', m.state);
      refreshSoon();
    }
  }

  if (!window.signalR || !projectId) return;
  var connection = new signalR.HubConnectionBuilder().withUrl('/hubs/project').withAutomaticReconnect().build();
  connection.on('job', onJob);

  function watch() {
    return connection.invoke('Watch', projectId).then(function () {
      // What changed between rendering the page (or losing the connection) and watching again.
      if (isPending()) return refresh();
    });
  }

  // Automatic reconnect gives up after a while; then the page tries again, less often, until the server answers.
  var retryDelay = 5000;
  function start() {
    connection.start().then(function () {
      retryDelay = 5000;
      watch().catch(function () { /* refused: the page stays as it was rendered */ });
    }, function () {
      setTimeout(start, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
    });
  }
  connection.onreconnected(function () { watch().catch(function () { /* refused: the page stays as it is */ }); });
  connection.onclose(function () { setTimeout(start, retryDelay); });
  start();
})();
