// The transcript workspace: reads a transcript version through the API, plays the audio from a segment, follows the
// playing segment, codes selections (mouse or keyboard: "Codeer dit fragment" plus the from/to pickers) and saves
// per-segment corrections as a new version. All character offsets are in the text this reader sees (the API maps
// pseudonyms back), so the script never needs to know about them. Text is only ever set with textContent.
(function () {
  'use strict';
  var root = document.getElementById('workspace');
  if (!root) return;
  var api = root.getAttribute('data-api');
  var themesUrl = root.getAttribute('data-themes');
  var audio = document.getElementById('audio');
  var list = document.getElementById('segments');
  var status = document.getElementById('status');
  var versionSelect = document.getElementById('version');
  var versionNote = document.getElementById('version-note');
  var panel = document.getElementById('coding-panel');
  var form = document.getElementById('coding-form');
  var hint = document.getElementById('coding-hint');
  var quote = document.getElementById('coding-quote');
  var fromSelect = document.getElementById('coding-from');
  var toSelect = document.getElementById('coding-to');
  var themeSelect = document.getElementById('coding-theme');
  var memo = document.getElementById('coding-memo');
  var template = document.getElementById('segment-template');

  var data = null;
  var themes = [];
  var starts = [];
  var current = -1;
  var range = null; // { start, end } in the shown text
  var editing = false;
  // The page's strings in the reader's language (ui-text block), with {0}, {1} filled in.
  var uiText = JSON.parse((document.getElementById('ui-text') || {}).textContent || '{}');
  function t(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    return (uiText[key] || key).replace(/\{(\d+)\}/g, function (m, n) { return n < args.length ? String(args[n]) : m; });
  }
  var originLabels = { Machine: t('OriginMachine'), HumanCorrection: t('OriginHumanCorrection'), Imported: t('OriginImported') };

  function mmss(ms) {
    var s = Math.floor(ms / 1000);
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  function say(text) { status.textContent = text; }

  function fullText() { return data.segments.map(function (s) { return s.text; }).join('\n'); }

  function themeById(id) {
    for (var i = 0; i < themes.length; i++) if (themes[i].id === id) return themes[i];
    return { name: t('UnknownTheme'), colour: '#808080' };
  }

  function isLatest() { return data && data.version === data.latestVersion; }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json', 'Accept': 'application/json' } : { 'Accept': 'application/json' },
      body: body ? JSON.stringify(body) : undefined
    });
  }

  function load(version) {
    return request('GET', api + '/transcript' + (version ? '?version=' + version : '')).then(function (r) {
      if (r.status === 404) throw new Error('none');
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (d) { data = d; render(); });
  }

  function render() {
    starts = [];
    var offset = 0;
    data.segments.forEach(function (s) { starts.push(offset); offset += s.text.length + 1; });

    versionSelect.textContent = '';
    data.versions.forEach(function (v) {
      var o = document.createElement('option');
      o.value = v.version;
      o.textContent = t('VersionOption', v.version, originLabels[v.origin] || v.origin,
        // Month spelled out: 3/4 reads as March or April depending on who reads it.
        new Date(v.createdAt).toLocaleString(document.documentElement.lang || 'nl',
          { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }));
      o.selected = v.version === data.version;
      versionSelect.appendChild(o);
    });
    versionNote.textContent = isLatest() ? '' : t('OlderVersionNote');

    if (data.audioAvailable) {
      if (!audio.getAttribute('src')) audio.setAttribute('src', api + '/audio');
      document.getElementById('audio-silenced').hidden = !data.audioSilenced;
    } else {
      audio.hidden = true;
      document.getElementById(data.audioWithheld ? 'audio-withheld' : 'no-audio').hidden = false;
    }

    list.textContent = '';
    data.segments.forEach(function (s, i) { list.appendChild(renderSegment(s, i)); });
    fillSegmentPickers();
    closePanel(false);
    current = -1;
    follow();
    startAtLinkedTime();
  }

  // A report's provenance link (?t=SECONDS) opens the story at the quoted moment: the segment is marked and the
  // audio positioned there, without playing (a browser would refuse autoplay anyway). Only on the first load.
  var linkedSeconds = Number(new URLSearchParams(location.search).get('t'));
  function startAtLinkedTime() {
    if (!(linkedSeconds >= 0) || !new URLSearchParams(location.search).has('t')) return;
    var ms = linkedSeconds * 1000;
    linkedSeconds = NaN;
    var i = indexAt(ms);
    if (i < 0) return;
    if (data.audioAvailable) {
      var seek = function () { audio.currentTime = ms / 1000; };
      if (audio.readyState >= 1) seek(); else audio.addEventListener('loadedmetadata', seek, { once: true });
    }
    mark(i);
  }

  function renderSegment(s, i) {
    var li = template.content.firstElementChild.cloneNode(true);
    li.id = 'segment-' + i;
    li.setAttribute('data-index', i);
    var time = li.querySelector('.time');
    time.textContent = mmss(s.startMs);
    time.setAttribute('aria-label', t('PlayFrom', mmss(s.startMs)));
    li.querySelector('.speaker').textContent = s.speakerLabel || t('UnknownSpeaker');
    renderText(li.querySelector('.text'), s, i);
    renderCodings(li.querySelector('.codings'), i);
    var code = li.querySelector('.code-this');
    var correct = li.querySelector('.correct-this');
    code.setAttribute('aria-label', t('CodeThisAt', mmss(s.startMs)));
    correct.setAttribute('aria-label', t('CorrectAt', mmss(s.startMs)));
    if (!isLatest()) { code.hidden = true; correct.hidden = true; }
    return li;
  }

  function codingsIn(i) {
    var a = starts[i], b = a + data.segments[i].text.length;
    return data.codings.filter(function (c) { return c.startChar < b && c.endChar > a; });
  }

  // Splits the segment's text at every coding edge, so overlapping codings show as nested colours.
  function renderText(p, s, i) {
    var a = starts[i], text = s.text;
    var codings = codingsIn(i);
    var cuts = [0, text.length];
    codings.forEach(function (c) {
      cuts.push(Math.max(0, c.startChar - a), Math.min(text.length, c.endChar - a));
    });
    cuts = cuts.filter(function (x, k, all) { return all.indexOf(x) === k; }).sort(function (x, y) { return x - y; });
    for (var k = 0; k < cuts.length - 1; k++) {
      var from = cuts[k], to = cuts[k + 1];
      var piece = text.slice(from, to);
      var covering = codings.filter(function (c) { return c.startChar - a <= from && c.endChar - a >= to; });
      if (covering.length === 0) { p.appendChild(document.createTextNode(piece)); continue; }
      var mark = document.createElement('mark');
      var theme = themeById(covering[covering.length - 1].themeId);
      mark.style.setProperty('--c', theme.colour);
      mark.title = covering.map(function (c) { return themeById(c.themeId).name; }).join(', ');
      mark.textContent = piece;
      p.appendChild(mark);
    }
  }

  function renderCodings(ul, i) {
    // A coding is listed under the segment where it starts, with its theme named in words (colour is never the only cue).
    var a = starts[i], b = a + data.segments[i].text.length + 1;
    data.codings.filter(function (c) { return c.startChar >= a && c.startChar < b; }).forEach(function (c) {
      var theme = themeById(c.themeId);
      var li = document.createElement('li');
      var swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.setAttribute('aria-hidden', 'true');
      swatch.style.setProperty('--c', theme.colour);
      li.appendChild(swatch);
      var name = document.createElement('strong');
      name.textContent = theme.name;
      li.appendChild(name);
      var q = c.text.length > 80 ? c.text.slice(0, 77) + '…' : c.text;
      li.appendChild(document.createTextNode(': “' + q + '” · ' + (c.authorName || t('Guest')) + ' (' + roleName(c.authorRole) + ')'));
      if (c.memo) {
        var m = document.createElement('span');
        m.className = 'memo';
        m.textContent = c.memo;
        li.appendChild(m);
      }
      if (data.removableCodingIds.indexOf(c.id) >= 0) {
        var remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'link';
        remove.textContent = t('Remove');
        remove.setAttribute('aria-label', t('RemoveCoding', theme.name));
        remove.addEventListener('click', function () { removeCoding(c, i); });
        li.appendChild(remove);
      }
      ul.appendChild(li);
    });
  }

  function roleName(role) {
    return ['Bewoner', 'Begeleider', 'Beleidsmedewerker', 'Interviewer', 'Beheerder'].indexOf(role) >= 0 ? t('Role' + role) : role;
  }

  function fillSegmentPickers() {
    [fromSelect, toSelect].forEach(function (select) {
      select.textContent = '';
      data.segments.forEach(function (s, i) {
        var o = document.createElement('option');
        o.value = i;
        o.textContent = mmss(s.startMs) + ' – ' + (s.text.length > 40 ? s.text.slice(0, 40) + '…' : s.text);
        select.appendChild(o);
      });
    });
  }

  // ---- audio ----

  function playFrom(i) {
    if (i < 0 || i >= data.segments.length) return;
    audio.currentTime = data.segments[i].startMs / 1000;
    var played = audio.play();
    if (played && played.catch) played.catch(function () { /* no audio or autoplay refused; the position is set */ });
    mark(i);
  }

  function indexAt(ms) {
    var found = -1;
    for (var i = 0; i < data.segments.length; i++) {
      if (data.segments[i].startMs <= ms) found = i; else break;
    }
    return found;
  }

  function mark(i) {
    if (i === current) return;
    var old = list.querySelector('[aria-current]');
    if (old) old.removeAttribute('aria-current');
    current = i;
    var li = document.getElementById('segment-' + i);
    if (!li) return;
    li.setAttribute('aria-current', 'true');
    if (!editing) li.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  function follow() { if (data && !audio.hidden) mark(indexAt(audio.currentTime * 1000)); }

  audio.addEventListener('timeupdate', follow);
  audio.addEventListener('seeked', follow);

  list.addEventListener('click', function (e) {
    var li = e.target.closest('.segment');
    if (!li) return;
    var i = parseInt(li.getAttribute('data-index'), 10);
    if (e.target.closest('.time')) { playFrom(i); return; }
    if (e.target.closest('.code-this')) { codeSegment(i); return; }
    if (e.target.closest('.correct-this')) { startCorrection(li, i); return; }
    // A click in the text plays from there, unless the reader is selecting words to code.
    if (e.target.closest('.text') && String(window.getSelection()).length === 0) playFrom(i);
  });

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape' && !form.hidden) { closePanel(true); return; }
    var target = e.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var onControl = /^(BUTTON|A|SUMMARY|AUDIO)$/.test(target.tagName);
    if (!data) return;
    if (e.key === 'k' || (e.key === ' ' && !onControl)) {
      e.preventDefault();
      if (audio.paused) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); } else audio.pause();
    } else if (e.key === 'j') {
      audio.currentTime = Math.max(0, audio.currentTime - 5);
    } else if (e.key === 'n') {
      playFrom(Math.min(data.segments.length - 1, Math.max(current, indexAt(audio.currentTime * 1000)) + 1));
    } else if (e.key === 'p') {
      playFrom(Math.max(0, (current < 0 ? indexAt(audio.currentTime * 1000) : current) - 1));
    }
  });

  // ---- coding ----

  function setRange(start, end) {
    range = { start: start, end: end };
    var text = fullText().slice(start, end);
    quote.textContent = '“' + (text.length > 200 ? text.slice(0, 197) + '…' : text) + '”';
    fromSelect.value = String(segmentOf(start));
    toSelect.value = String(segmentOf(Math.max(start, end - 1)));
  }

  function segmentOf(offset) {
    var i = 0;
    while (i + 1 < starts.length && starts[i + 1] <= offset) i++;
    return i;
  }

  function openPanel() {
    if (!isLatest()) return;
    form.hidden = false;
    hint.hidden = true;
    panel.classList.add('open');
  }

  function closePanel(returnFocus) {
    form.hidden = true;
    hint.hidden = false;
    panel.classList.remove('open');
    var back = range && document.querySelector('#segment-' + segmentOf(range.start) + ' .code-this');
    range = null;
    if (returnFocus && back) back.focus();
  }

  function codeSegment(i) {
    setRange(starts[i], starts[i] + data.segments[i].text.length);
    openPanel();
    themeSelect.focus();
  }

  function pickersChanged() {
    var a = parseInt(fromSelect.value, 10), b = parseInt(toSelect.value, 10);
    if (b < a) { var x = a; a = b; b = x; }
    setRange(starts[a], starts[b] + data.segments[b].text.length);
  }
  fromSelect.addEventListener('change', pickersChanged);
  toSelect.addEventListener('change', pickersChanged);

  function offsetIn(node, offset) {
    var el = node.nodeType === 1 ? node : node.parentNode;
    var p = el && el.closest ? el.closest('.text') : null;
    if (!p || !list.contains(p)) return null;
    var r = document.createRange();
    r.selectNodeContents(p);
    r.setEnd(node, offset);
    return starts[parseInt(p.closest('.segment').getAttribute('data-index'), 10)] + r.toString().length;
  }

  function selectionChanged() {
    if (!data || !isLatest()) return;
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) return;
    var r = sel.getRangeAt(0);
    var a = offsetIn(r.startContainer, r.startOffset), b = offsetIn(r.endContainer, r.endOffset);
    if (a === null || b === null || b <= a) return;
    if (fullText().slice(a, b).trim().length === 0) return;
    setRange(a, b);
    openPanel();
  }
  list.addEventListener('mouseup', function () { setTimeout(selectionChanged, 0); });
  list.addEventListener('keyup', function (e) { if (e.shiftKey) selectionChanged(); });
  list.addEventListener('touchend', function () { setTimeout(selectionChanged, 300); });

  document.getElementById('coding-cancel').addEventListener('click', function () { closePanel(true); });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!range || !themeSelect.value) { say(t('ChooseThemeAndPassage')); return; }
    var at = segmentOf(range.start);
    var theme = themeById(themeSelect.value);
    request('POST', api + '/codings', { themeId: themeSelect.value, startChar: range.start, endChar: range.end, memo: memo.value || null })
      .then(function (r) {
        if (r.status === 201) {
          memo.value = '';
          return load().then(function () {
            say(t('CodedAs', theme.name));
            var back = document.querySelector('#segment-' + at + ' .code-this');
            if (back) back.focus();
          });
        }
        say(r.status === 400 ? t('CodingInvalid') : t('CodingFailed', r.status));
      })
      .catch(function () { say(t('NoConnection')); });
  });

  function removeCoding(c, i) {
    request('DELETE', api + '/codings/' + c.id).then(function (r) {
      if (r.status === 204 || r.status === 404) {
        return load().then(function () {
          say(t('CodingRemoved'));
          var back = document.querySelector('#segment-' + i + ' .code-this');
          if (back) back.focus();
        });
      }
      say(r.status === 403 ? t('RemoveForbidden') : t('RemoveFailed', r.status));
    });
  }

  // ---- corrections ----

  function startCorrection(li, i) {
    if (editing || !isLatest()) return;
    editing = true;
    var s = data.segments[i];
    var box = document.createElement('form');
    box.className = 'correction stack';
    var id = 'fix-' + i;
    box.innerHTML = '<label></label><textarea rows="4" maxlength="5000" required></textarea>' +
      '<label></label><input list="speakers" maxlength="50" />' +
      '<div class="row"><button type="submit" class="primary"></button><button type="button"></button></div>';
    box.querySelector('button[type=submit]').textContent = t('SaveAsNewVersion');
    box.querySelector('button[type=button]').textContent = t('Cancel');
    var labels = box.querySelectorAll('label');
    var textarea = box.querySelector('textarea');
    var speaker = box.querySelector('input');
    labels[0].textContent = t('SegmentText', mmss(s.startMs));
    labels[0].htmlFor = textarea.id = id + '-text';
    labels[1].textContent = t('Speaker');
    labels[1].htmlFor = speaker.id = id + '-speaker';
    textarea.value = s.text;
    speaker.value = s.speakerLabel || '';
    li.querySelector('.text').hidden = true;
    li.querySelector('.segment-actions').hidden = true;
    li.insertBefore(box, li.querySelector('.codings'));
    textarea.focus();

    function stop() {
      editing = false;
      box.remove();
      li.querySelector('.text').hidden = false;
      li.querySelector('.segment-actions').hidden = false;
      li.querySelector('.correct-this').focus();
    }
    box.querySelector('button[type=button]').addEventListener('click', stop);
    box.addEventListener('submit', function (e) {
      e.preventDefault();
      var segments = data.segments.map(function (x, k) {
        return { position: x.position, startMs: x.startMs, endMs: x.endMs,
          text: k === i ? textarea.value.replace(/\s*\n\s*/g, ' ').trim() : x.text,
          speakerLabel: k === i ? (speaker.value.trim() || null) : x.speakerLabel };
      });
      request('POST', api + '/corrections', { baseVersion: data.version, segments: segments }).then(function (r) {
        if (r.status === 201) {
          return r.json().then(function (result) {
            editing = false;
            data = result.transcript;
            render();
            var left = result.notReanchored.length;
            say(left ? t('VersionSavedSomeLeft', data.version, result.reanchoredCodings, left, data.version - 1)
              : t('VersionSaved', data.version, result.reanchoredCodings));
            var back = document.querySelector('#segment-' + i + ' .correct-this');
            if (back) back.focus();
          });
        }
        if (r.status === 409) {
          editing = false;
          return load().then(function () {
            say(t('Conflict'));
          });
        }
        say(r.status === 400 ? t('SaveInvalid') : t('SaveFailed', r.status));
      }).catch(function () { say(t('NoConnectionKeepText')); });
    });
  }

  versionSelect.addEventListener('change', function () {
    load(parseInt(versionSelect.value, 10)).then(function () { say(t('VersionLoaded', data.version)); });
  });

  // ---- start ----

  request('GET', themesUrl).then(function (r) { return r.ok ? r.json() : []; }).then(function (all) {
    themes = all.filter(function (x) { return !x.mergedIntoId; });
    themeSelect.textContent = '';
    var none = document.createElement('option');
    none.value = '';
    none.textContent = themes.length ? t('ChooseTheme') : t('NoThemesYet');
    themeSelect.appendChild(none);
    themes.forEach(function (x) {
      var o = document.createElement('option');
      o.value = x.id;
      o.textContent = x.name;
      themeSelect.appendChild(o);
    });
    return load();
  }).then(function () { root.setAttribute('data-ready', 'true'); })
    .catch(function (e) {
      say(e && e.message === 'none' ? t('NotTranscribed') : t('LoadFailed'));
      root.setAttribute('data-ready', 'true');
    });
})();
