// Lets the facilitator mark a name or place on the transcript page and replace it for every other reader, in this
// story or the whole project, through the pseudonyms API; lists what is replaced here, with a way to undo it.
(function () {
  'use strict';
  var section = document.getElementById('pseudonyms');
  if (!section) return;
  var api = section.getAttribute('data-api');
  var storyId = section.getAttribute('data-story');
  var form = document.getElementById('pseudonym-form');
  var original = document.getElementById('pseudonym-original');
  var replacement = document.getElementById('pseudonym-replacement');
  var kind = document.getElementById('pseudonym-kind');
  var status = document.getElementById('pseudonym-status');
  var list = document.getElementById('pseudonym-list');
  var lastSelection = '';
  // The strings come from the transcript page's ui-text block, in the reader's language.
  var uiText = JSON.parse((document.getElementById('ui-text') || {}).textContent || '{}');
  function t(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    return (uiText[key] || key).replace(/\{(\d+)\}/g, function (m, n) { return n < args.length ? String(args[n]) : m; });
  }

  // The button takes focus (and may clear the selection), so remember the last selection made in the transcript.
  document.addEventListener('selectionchange', function () {
    var sel = window.getSelection();
    var text = sel ? String(sel).trim() : '';
    if (text && sel.anchorNode && document.getElementById('segments').contains(sel.anchorNode)) lastSelection = text;
  });
  document.getElementById('pseudonym-use-selection').addEventListener('click', function () {
    if (lastSelection) { original.value = lastSelection.slice(0, 200); original.focus(); }
    else status.textContent = t('PseudonymSelectFirst');
  });

  function request(method, url, body) {
    return fetch(url, {
      method: method, credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json', 'Accept': 'application/json' } : { 'Accept': 'application/json' },
      body: body ? JSON.stringify(body) : undefined
    });
  }

  function show() {
    request('GET', api + '?storyId=' + encodeURIComponent(storyId)).then(function (r) { return r.ok ? r.json() : []; }).then(function (items) {
      list.textContent = '';
      if (!items.length) {
        var none = document.createElement('li');
        none.textContent = t('PseudonymNoneYet');
        list.appendChild(none);
      }
      items.forEach(function (p) {
        var li = document.createElement('li');
        li.textContent = p.original + ' → ' + p.replacement + (p.storyId ? '' : ' ' + t('PseudonymWholeProject')) + ' ';
        var remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'link';
        remove.textContent = t('PseudonymUndo');
        remove.setAttribute('aria-label', t('PseudonymUndoLabel', p.original));
        remove.addEventListener('click', function () {
          request('DELETE', api + '/' + p.id).then(function () { status.textContent = t('PseudonymRemoved'); show(); });
        });
        li.appendChild(remove);
        list.appendChild(li);
      });
    });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var scope = form.querySelector('input[name="pseudonym-scope"]:checked').value;
    request('POST', api, {
      original: original.value,
      replacement: replacement.value.trim() ? replacement.value : null,
      kind: kind.value,
      storyId: scope === 'story' ? storyId : null
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (!res.ok) {
        // The API explains in English for developers; the reader gets the page's own words for the field that failed.
        var fields = res.body && res.body.errors ? Object.keys(res.body.errors) : [];
        var messages = fields.map(function (k) {
          return k === 'original' ? t('PseudonymErrorOriginal') : k === 'replacement' ? t('PseudonymErrorReplacement') : t('PseudonymFailed');
        }).filter(function (m, i, all) { return all.indexOf(m) === i; });
        status.textContent = messages.length ? messages.join(' ') : t('PseudonymFailed');
        return;
      }
      status.textContent = t('PseudonymReplaced', res.body.original, res.body.replacement);
      original.value = '';
      replacement.value = '';
      show();
    }).catch(function () { status.textContent = t('PseudonymNoConnection'); });
  });

  show();
})();
