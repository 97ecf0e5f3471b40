// Storytelling capture page: language, question, consent, record (or pick a file), listen back, send, receipt.
// Plain modern JS, no build step. The one promise this file keeps: once a recording exists it lives in IndexedDB
// until the server has confirmed it with a receipt code, whatever the network or the browser does in between.
(() => {
  'use strict';

  const root = document.getElementById('capture');
  if (!root) return;

  // ---------------------------------------------------------------- texts
  // All three languages come from the page (Features/Capture/CaptureText.resx, rendered as the capture-text JSON
  // block), so the phone can switch without reloading. Keys match data-t attributes in _Recorder.cshtml. Without the
  // block the page keeps the Dutch texts the server wrote.
  const TEXTS = readTexts();
  function readTexts() {
    try {
      const texts = JSON.parse(document.getElementById('capture-text')?.textContent || '{}');
      if (texts && typeof texts.nl === 'object') return texts;
    } catch { /* fall through */ }
    return { nl: {} };
  }
  const LANGS = Object.keys(TEXTS);

  // ---------------------------------------------------------------- configuration from the page
  const cfg = {
    mode: root.dataset.mode,
    token: root.dataset.token || null,
    projectId: root.dataset.projectId,
    maxBytes: Number(root.dataset.maxBytes) || 500 * 1024 * 1024,
    maxSeconds: Number(root.dataset.maxSeconds) || 7200,
    allowVideo: root.dataset.allowVideo === 'true',
    chunkBytes: Number(root.dataset.chunkBytes) || 256 * 1024,
  };
  const interviewer = cfg.mode === 'interviewer';
  // Recordings are kept per capture link (or per project in interviewer mode), so two QR codes on one phone do not mix.
  const scope = interviewer ? 'project:' + cfg.projectId : 'token:' + cfg.token;
  const HASH_LIMIT = 200 * 1024 * 1024; // hashing means reading the whole file into memory: too much on a cheap phone above this
  const MAX_BACKOFF_MS = 30000;
  const REQUEST_TIMEOUT_MS = 60000;

  // The test hook: a browser test reads the state and compares the hash with what the server stored.
  const hook = (window.storytellingCapture = { state: 'start', lastReceipt: null, recordingSha256: null, offset: 0, language: 'nl' });

  const $ = (sel) => root.querySelector(sel);
  const $$ = (sel) => Array.from(document.querySelectorAll(sel));

  // ---------------------------------------------------------------- language
  let lang = pickLanguage();

  function pickLanguage() {
    const asked = new URLSearchParams(location.search).get('lang');
    if (LANGS.includes(asked)) return asked;
    try {
      const saved = localStorage.getItem('storytelling.lang');
      if (LANGS.includes(saved)) return saved;
    } catch { /* private mode: fine */ }
    // Dutch unless the phone clearly prefers English or Arabic.
    for (const l of navigator.languages || [navigator.language || 'nl']) {
      const base = String(l).toLowerCase().split('-')[0];
      if (base === 'nl') return 'nl';
      if (base === 'en' || base === 'ar') return base;
    }
    return 'nl';
  }

  function t(key, vars) {
    let s = (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.nl[key] || '';
    for (const [k, v] of Object.entries(vars || {})) s = s.replace('{' + k + '}', v);
    return s;
  }

  function applyLanguage(next, remember) {
    lang = LANGS.includes(next) ? next : 'nl';
    hook.language = lang;
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
    if (t('title')) document.title = t('title');
    for (const el of $$('[data-t]')) {
      const text = t(el.dataset.t);
      if (text) el.textContent = text;
    }
    // The question in the teller's language where the facilitator gave one (the Dutch otherwise), isolated in its <bdi>.
    for (const q of $$('.question[data-questions]')) {
      let questions = {};
      try { questions = JSON.parse(q.dataset.questions) || {}; } catch { /* keep the Dutch */ }
      const shown = questions[lang] ? lang : 'nl';
      const text = questions[shown];
      if (!text) continue;
      q.lang = shown;
      const bdi = q.querySelector('bdi');
      if (bdi) bdi.textContent = text; else q.textContent = text;
    }
    const tellerLink = document.getElementById('teller-link');
    if (tellerLink) tellerLink.href = '/verhaal?lang=' + lang;
    for (const b of $$('.langs [data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    if (remember) {
      try { localStorage.setItem('storytelling.lang', lang); } catch { /* ignore */ }
    }
    // Re-render the live texts that are not simple data-t elements.
    renderTimer();
    if (lastStatus) setStatus(lastStatus.el, lastStatus.key, lastStatus.vars);
  }

  // ---------------------------------------------------------------- steps
  let current = null;
  function show(step, focus = true) {
    current = step;
    hook.state = step;
    for (const s of root.querySelectorAll('.step[data-step]')) s.hidden = s.dataset.step !== step;
    if (focus) {
      const h = root.querySelector(`.step[data-step="${step}"] h1`);
      if (h) h.focus();
    }
    window.scrollTo(0, 0);
  }

  let lastStatus = null;
  function setStatus(el, key, vars) {
    if (typeof el === 'string') el = document.getElementById(el);
    lastStatus = key ? { el, key, vars } : null;
    el.textContent = key ? t(key, vars) : '';
  }

  // ---------------------------------------------------------------- IndexedDB
  const DB_NAME = 'storytelling-capture';
  let dbPromise = null;
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        if (!('indexedDB' in window)) return reject(new Error('no indexedDB'));
        const req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = () => {
          const db = req.result;
          const store = db.createObjectStore('recordings', { keyPath: 'id' });
          store.createIndex('scope', 'scope');
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }
  async function dbDo(mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction('recordings', mode);
      let result;
      const req = fn(tx.objectStore('recordings'));
      if (req) req.onsuccess = () => { result = req.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('aborted'));
    });
  }
  let storageOk = true;
  async function saveRecording(rec) {
    try {
      await dbDo('readwrite', (s) => s.put(rec));
      storageOk = true;
    } catch {
      // Without storage the recording lives only in this tab; say so rather than pretend.
      storageOk = false;
    }
  }
  async function deleteRecording(id) {
    try { await dbDo('readwrite', (s) => s.delete(id)); } catch { /* nothing stored */ }
  }
  async function findUnsent() {
    try {
      const all = await dbDo('readonly', (s) => s.index('scope').getAll(scope));
      return (all || []).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0] || null;
    } catch {
      return null;
    }
  }
  // Only the parts of the metadata that the record needs to resume; the Blob is stored as-is (IndexedDB keeps Blobs).
  function newRecord(blob, mediaType, fileName) {
    return {
      id: (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random().toString(16).slice(2),
      scope,
      blob,
      mediaType,
      fileName: fileName || null,
      sizeBytes: blob.size,
      consent: readConsent(),
      language: lang,
      tellerPseudonym: interviewer ? ($('#pseudonym').value || '').trim() : null,
      consentGivenVerbally: interviewer ? true : undefined,
      uploadId: null,
      offset: 0,
      sha256: null,
      createdAt: new Date().toISOString(),
    };
  }

  function rememberReceipt(receipt) {
    try {
      const key = 'storytelling.receipts';
      const list = JSON.parse(localStorage.getItem(key) || '[]');
      list.push({ receiptCode: receipt.receiptCode, storyId: receipt.storyId, at: new Date().toISOString() });
      localStorage.setItem(key, JSON.stringify(list.slice(-50)));
    } catch { /* the code is on screen; storage is a convenience */ }
  }

  // ---------------------------------------------------------------- consent
  function readConsent() {
    return {
      analysis: $('#c-analysis').checked,
      quotesInReports: $('#c-quotes').checked,
      audioInWorkshops: $('#c-audio').checked,
    };
  }
  function consentNext() {
    const err = $('#consent-error');
    let problem = null;
    let field = null;
    if (interviewer && !$('#pseudonym').value.trim()) { problem = 'pseudonymNeeded'; field = $('#pseudonym'); }
    else if (interviewer && !$('#verbal').checked) { problem = 'verbalNeeded'; field = $('#verbal'); }
    else if (!$('#c-analysis').checked) { problem = 'consentNeeded'; field = $('#c-analysis'); }
    if (problem) {
      err.dataset.t = problem;
      err.textContent = t(problem);
      err.hidden = false;
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      return;
    }
    err.hidden = true;
    for (const f of root.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
    show('record');
  }

  // ---------------------------------------------------------------- recording
  let recorder = null;
  let stream = null;
  let parts = [];
  let elapsedMs = 0;
  let runningSince = 0;
  let tick = null;
  let pending = null; // the record (stored or about to be) that the review/sending steps work on

  function pickMime() {
    if (!window.MediaRecorder) return null;
    const wanted = ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4', 'audio/ogg;codecs=opus', 'audio/aac'];
    return wanted.find((m) => MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(m)) || '';
  }

  function elapsed() { return elapsedMs + (runningSince ? Date.now() - runningSince : 0); }
  function renderTimer() {
    const s = Math.floor(elapsed() / 1000);
    const el = document.getElementById('timer');
    if (el) el.textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
    if (cfg.maxSeconds && s >= cfg.maxSeconds && recorder && recorder.state === 'recording') stopRecording('maxReached');
  }
  function setButtons(state) {
    const vis = { record: state === 'idle', pause: state === 'recording', resume: state === 'paused', stop: state !== 'idle' };
    for (const [action, visible] of Object.entries(vis)) root.querySelector(`[data-action="${action}"]`).hidden = !visible;
    root.querySelector('[data-or]').hidden = state !== 'idle';
    root.querySelector('.timer .dot').hidden = state !== 'recording';
    root.classList.toggle('is-recording', state === 'recording');
  }

  async function startRecording() {
    const mime = pickMime();
    if (mime === null || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setStatus('record-status', 'noRecorder');
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch {
      setStatus('record-status', 'noMic');
      return;
    }
    parts = [];
    elapsedMs = 0;
    recorder = mime ? new MediaRecorder(stream, { mimeType: mime }) : new MediaRecorder(stream);
    recorder.ondataavailable = (e) => { if (e.data && e.data.size) parts.push(e.data); };
    recorder.onstop = onRecorderStopped;
    // A timeslice hands data over every second, so a long story does not sit in one huge internal buffer.
    recorder.start(1000);
    runningSince = Date.now();
    tick = setInterval(renderTimer, 250);
    setButtons('recording');
    setStatus('record-status', 'recording');
    hook.state = 'recording';
  }
  function pauseRecording() {
    if (!recorder || recorder.state !== 'recording') return;
    recorder.pause();
    elapsedMs = elapsed();
    runningSince = 0;
    setButtons('paused');
    setStatus('record-status', 'paused');
    root.querySelector('[data-action="resume"]').focus();
  }
  function resumeRecording() {
    if (!recorder || recorder.state !== 'paused') return;
    recorder.resume();
    runningSince = Date.now();
    setButtons('recording');
    setStatus('record-status', 'recording');
    root.querySelector('[data-action="pause"]').focus();
  }
  let stopReason = 'stopped';
  function stopRecording(reason) {
    if (!recorder || recorder.state === 'inactive') return;
    stopReason = reason || 'stopped';
    elapsedMs = elapsed();
    runningSince = 0;
    clearInterval(tick);
    recorder.stop();
  }
  async function onRecorderStopped() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    const type = (recorder && recorder.mimeType) || (parts[0] && parts[0].type) || 'audio/webm';
    recorder = null;
    setButtons('idle');
    const raw = new Blob(parts, { type });
    parts = [];
    const blob = await withWebmDuration(raw, elapsedMs);
    if (!blob.size) { setStatus('record-status', 'noMic'); return; }
    setStatus('record-status', stopReason);
    await keep(blob, type, null, Math.round(elapsedMs / 1000));
  }

  // ---------------------------------------------------------------- WebM duration
  // Browsers stream WebM out of MediaRecorder and never go back to write the length in the header, so players (and
  // the server's probe) see "duration unknown". We write the timer's length into the Segment Info before the Blob is
  // stored and hashed. Only the head is rewritten; if anything looks unexpected the recording is kept as it was.
  const EBML = { header: 0x1a45dfa3, segment: 0x18538067, info: 0x1549a966, timecodeScale: 0x2ad7b1, duration: 0x4489, cluster: 0x1f43b675 };

  function readVint(bytes, pos, keepMarker) {
    const first = bytes[pos];
    if (first === undefined || first === 0) return null;
    let length = 1;
    while (!(first & (0x80 >> (length - 1)))) length++;
    if (pos + length > bytes.length) return null;
    let value = keepMarker ? first : first & (0xff >> length);
    let allOnes = value === (0xff >> length);
    for (let i = 1; i < length; i++) {
      value = value * 256 + bytes[pos + i];
      if (bytes[pos + i] !== 0xff) allOnes = false;
    }
    return { value, length, unknown: !keepMarker && allOnes };
  }
  function readElement(bytes, pos) {
    const id = readVint(bytes, pos, true);
    if (!id) return null;
    const size = readVint(bytes, pos + id.length, false);
    if (!size) return null;
    return { id: id.value, start: pos, dataStart: pos + id.length + size.length, size: size.unknown ? null : size.value, sizeLength: size.length };
  }
  function sizeVint8(n) {
    const out = new Uint8Array(8);
    out[0] = 0x01;
    for (let i = 7; i >= 1; i--) { out[i] = n % 256; n = Math.floor(n / 256); }
    return out;
  }

  async function withWebmDuration(blob, durationMs) {
    if (!durationMs || !/webm|matroska/i.test(blob.type)) return blob;
    try {
      const head = new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer());
      const ebml = readElement(head, 0);
      if (!ebml || ebml.id !== EBML.header || ebml.size === null) return blob;
      const segment = readElement(head, ebml.dataStart + ebml.size);
      // A known segment size would have to grow too; MediaRecorder always writes "unknown", so only that is handled.
      if (!segment || segment.id !== EBML.segment || segment.size !== null) return blob;
      let pos = segment.dataStart;
      while (pos < head.length) {
        const el = readElement(head, pos);
        if (!el || el.size === null || el.id === EBML.cluster) return blob;
        const end = el.dataStart + el.size;
        if (el.id === EBML.info) {
          if (end > head.length) return blob;
          let scale = 1000000;
          let child = el.dataStart;
          while (child < end) {
            const c = readElement(head, child);
            if (!c || c.size === null) return blob;
            if (c.id === EBML.duration) return blob; // already there
            if (c.id === EBML.timecodeScale) {
              scale = 0;
              for (let i = 0; i < c.size; i++) scale = scale * 256 + head[c.dataStart + i];
            }
            child = c.dataStart + c.size;
          }
          const duration = new Uint8Array(11);
          duration.set([0x44, 0x89, 0x88]);
          new DataView(duration.buffer).setFloat64(3, (durationMs * 1e6) / (scale || 1000000));
          const info = new Uint8Array(4 + 8 + el.size + duration.length);
          info.set(head.subarray(el.start, el.start + 4)); // the Info ID is always these four bytes
          info.set(sizeVint8(el.size + duration.length), 4);
          info.set(head.subarray(el.dataStart, end), 12);
          info.set(duration, 12 + el.size);
          return new Blob([head.subarray(0, el.start), info, blob.slice(end)], { type: blob.type });
        }
        pos = end;
      }
    } catch { /* keep the original */ }
    return blob;
  }

  function onFilePicked(e) {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!file) return;
    const type = file.type || guessType(file.name);
    const allowed = type.startsWith('audio/') || (cfg.allowVideo && type.startsWith('video/')) || type === '';
    if (!allowed) { setStatus('record-status', 'notMediaFile'); return; }
    if (file.size > cfg.maxBytes) { setStatus('record-status', 'fileTooLarge'); return; }
    keep(file, type || 'application/octet-stream', file.name, null);
  }
  function guessType(name) {
    const ext = String(name).toLowerCase().split('.').pop();
    return { opus: 'audio/ogg', ogg: 'audio/ogg', oga: 'audio/ogg', m4a: 'audio/mp4', mp3: 'audio/mpeg', wav: 'audio/wav',
      aac: 'audio/aac', amr: 'audio/amr', webm: 'audio/webm', mp4: 'video/mp4', '3gp': 'video/3gpp' }[ext] || '';
  }

  // The moment a recording exists it goes to IndexedDB, before anything else can go wrong.
  async function keep(blob, type, fileName, seconds) {
    if (pending) await deleteRecording(pending.id); // the previous take was discarded by recording again
    pending = newRecord(blob, type, fileName);
    await saveRecording(pending);
    showReview(seconds);
  }

  let playbackUrl = null;
  function showReview(seconds) {
    const audio = document.getElementById('playback');
    if (playbackUrl) URL.revokeObjectURL(playbackUrl);
    playbackUrl = URL.createObjectURL(pending.blob);
    audio.src = playbackUrl;
    const info = document.getElementById('review-info');
    const parts2 = [];
    if (pending.fileName) parts2.push(pending.fileName);
    if (seconds != null) parts2.push(seconds >= 60 ? t('minutes', { m: Math.floor(seconds / 60), s: seconds % 60 }) : t('seconds', { n: seconds }));
    parts2.push((pending.sizeBytes / (1024 * 1024)).toFixed(1) + ' MB');
    info.textContent = parts2.join(' · ');
    if (!storageOk) info.textContent += ' — ' + t('noStorage');
    show('review');
  }

  async function rerecord() {
    if (pending && current === 'review' && !window.confirm(t('confirmRerecord'))) return;
    if (pending) await deleteRecording(pending.id);
    pending = null;
    hook.recordingSha256 = null;
    elapsedMs = 0;
    renderTimer();
    setStatus('record-status', null);
    // After a reload the consent boxes are empty again; a new take needs them ticked (and the name filled) anew.
    const consentReady = $('#c-analysis').checked && (!interviewer || ($('#verbal').checked && $('#pseudonym').value.trim()));
    show(consentReady ? 'record' : 'consent');
  }

  // ---------------------------------------------------------------- sending
  class Refused extends Error {
    constructor(detail) { super(detail); this.detail = detail; }
  }
  class Retry extends Error {
    constructor(waitMs) { super('retry'); this.waitMs = waitMs; }
  }

  let sending = false;
  let wake = null; // resolves the current backoff wait early (the phone came back online)
  window.addEventListener('online', () => { if (wake) wake(); });

  function sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); wake = null; resolve(); }
      wake = done;
    });
  }

  async function api(method, url, body, isBytes) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let res;
    try {
      res = await fetch(url, {
        method,
        credentials: 'same-origin',
        headers: Object.assign(
          { Accept: 'application/json', 'Accept-Language': lang },
          body === undefined ? {} : { 'Content-Type': isBytes ? 'application/octet-stream' : 'application/json' }),
        body: body === undefined ? undefined : isBytes ? body : JSON.stringify(body),
        signal: controller.signal,
        cache: 'no-store',
      });
    } catch {
      throw new Retry(); // offline, DNS, reset, timeout: all the same to the teller
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try { data = await res.json(); } catch { /* empty or not JSON */ }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      const after = Number(res.headers.get('Retry-After'));
      throw new Retry(after > 0 ? after * 1000 : undefined);
    }
    return { status: res.status, ok: res.ok, data: data || {} };
  }

  function refusal(r) {
    return new Refused((r.data && (r.data.detail || r.data.title)) || t('refusedTitle'));
  }

  async function sha256Hex(blob) {
    if (!window.crypto || !crypto.subtle || blob.size > HASH_LIMIT) return null;
    try {
      const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
      return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    } catch {
      return null; // the hash is a check, not a requirement
    }
  }

  function progress(done, total) {
    const pct = total ? Math.floor((done / total) * 100) : 0;
    const bar = document.getElementById('progress');
    bar.value = pct;
    document.getElementById('progress-text').textContent = pct + '%';
    hook.offset = done;
  }

  async function startSending(resumed) {
    if (sending || !pending) return;
    sending = true;
    if (!pending.sendRequested) {
      // From this press on the phone owes the server this recording: a reload resumes instead of asking again.
      pending.sendRequested = true;
      await saveRecording(pending);
    }
    show('sending');
    progress(pending.offset || 0, pending.sizeBytes);
    setStatus('send-status', resumed ? 'resumed' : 'preparing');
    let backoff = 1000;
    try {
      for (;;) {
        try {
          const receipt = await sendOnce();
          await finish(receipt);
          return;
        } catch (e) {
          if (e instanceof Refused) {
            document.getElementById('refused-detail').textContent = e.detail;
            hook.state = 'refused';
            show('refused');
            return;
          }
          if (!(e instanceof Retry)) throw e;
          const wait = Math.min(e.waitMs || backoff, MAX_BACKOFF_MS);
          hook.state = 'offline';
          root.classList.add('is-offline');
          setStatus('send-status', 'offline');
          document.getElementById('progress-text').textContent =
            Math.floor(((pending.offset || 0) / pending.sizeBytes) * 100) + '% · ' + t('retryIn', { s: Math.ceil(wait / 1000) });
          await sleep(wait);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      }
    } finally {
      sending = false;
    }
  }

  // One attempt from wherever the server says we are; throws Retry on anything the network may fix.
  async function sendOnce() {
    const rec = pending;
    if (!rec.sha256) {
      rec.sha256 = await sha256Hex(rec.blob);
      if (rec.sha256) await saveRecording(rec);
    }
    hook.recordingSha256 = rec.sha256;

    if (rec.uploadId) {
      const r = await api('GET', `/api/uploads/${encodeURIComponent(rec.uploadId)}`);
      if (r.status === 404) {
        // The session expired on the server (or never finished being created): start a fresh one with the same bytes.
        rec.uploadId = null;
        rec.offset = 0;
        await saveRecording(rec);
      } else if (!r.ok) {
        throw refusal(r);
      } else if (r.data.status === 'Completed') {
        // The story arrived but the answer with its code got lost: the status never shows a code, so ask for it
        // again below, proving with the recording's SHA-256 that this phone holds the recording.
        rec.offset = rec.sizeBytes;
      } else {
        rec.offset = Number(r.data.receivedBytes) || 0;
      }
    }
    if (!rec.uploadId) {
      const body = {
        sizeBytes: rec.sizeBytes,
        mediaType: rec.mediaType,
        consent: rec.consent,
        language: rec.language,
      };
      if (rec.sha256) body.sha256 = rec.sha256;
      if (rec.tellerPseudonym) body.tellerPseudonym = rec.tellerPseudonym;
      if (interviewer) body.consentGivenVerbally = true;
      const url = interviewer
        ? `/api/projects/${encodeURIComponent(cfg.projectId)}/uploads`
        : `/api/capture/${encodeURIComponent(cfg.token)}/uploads`;
      const r = await api('POST', url, body);
      if (!r.ok || !r.data.uploadId) throw refusal(r);
      rec.uploadId = r.data.uploadId;
      rec.offset = Number(r.data.receivedBytes) || 0;
      if (r.data.maxChunkBytes) rec.maxChunkBytes = Number(r.data.maxChunkBytes);
      await saveRecording(rec); // from here on a reload resumes this session instead of starting over
    }

    setStatus('send-status', 'sending');
    root.classList.remove('is-offline');
    hook.state = 'sending';
    const chunk = Math.max(1024, Math.min(cfg.chunkBytes, rec.maxChunkBytes || cfg.chunkBytes));
    progress(rec.offset, rec.sizeBytes);
    while (rec.offset < rec.sizeBytes) {
      const end = Math.min(rec.offset + chunk, rec.sizeBytes);
      const r = await api('PUT', `/api/uploads/${encodeURIComponent(rec.uploadId)}/chunks?offset=${rec.offset}`, rec.blob.slice(rec.offset, end), true);
      if (r.status === 409 && r.data.expectedOffset != null) {
        rec.offset = Number(r.data.expectedOffset);
      } else if (r.status === 404) {
        rec.uploadId = null; // expired in the middle: the next attempt opens a new session
        rec.offset = 0;
        await saveRecording(rec);
        throw new Retry(1);
      } else if (!r.ok) {
        throw refusal(r);
      } else {
        rec.offset = Number(r.data.receivedBytes ?? end);
      }
      await saveRecording(rec);
      progress(rec.offset, rec.sizeBytes);
    }

    const r = await api('POST', `/api/uploads/${encodeURIComponent(rec.uploadId)}/complete`, rec.sha256 ? { sha256: rec.sha256 } : undefined);
    if (!r.ok || !r.data.receiptCode) throw refusal(r);
    return { receiptCode: r.data.receiptCode, storyId: r.data.storyId };
  }

  async function finish(receipt) {
    // Order matters: the code is shown and remembered before the only copy of the recording on the phone is deleted.
    hook.lastReceipt = receipt.receiptCode;
    document.getElementById('receipt').textContent = receipt.receiptCode;
    rememberReceipt(receipt);
    progress(pending.sizeBytes, pending.sizeBytes);
    setStatus('send-status', null);
    show('done');
    hook.state = 'done';
    const id = pending.id;
    pending = null;
    await deleteRecording(id);
    if (playbackUrl) { URL.revokeObjectURL(playbackUrl); playbackUrl = null; }
  }

  async function copyReceipt() {
    const code = document.getElementById('receipt').textContent;
    try {
      await navigator.clipboard.writeText(code);
    } catch {
      // Older phones: select the text so the teller can copy it by hand.
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('receipt'));
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      return;
    }
    setStatus('copy-status', 'copied');
  }

  function again() {
    // The next teller starts with a clean slate: no ticked consent and no name of the previous one.
    for (const box of root.querySelectorAll('input[type=checkbox]')) box.checked = false;
    const name = $('#pseudonym');
    if (name) name.value = '';
    hook.recordingSha256 = null;
    hook.lastReceipt = null;
    elapsedMs = 0;
    renderTimer();
    setStatus('record-status', null);
    setStatus('copy-status', null);
    show(interviewer ? 'consent' : 'question');
  }

  // ---------------------------------------------------------------- wiring
  document.addEventListener('click', (e) => {
    const langButton = e.target.closest('[data-lang]');
    if (langButton) {
      applyLanguage(langButton.dataset.lang, true);
      if (langButton.classList.contains('choice')) show('question');
      return;
    }
    const go = e.target.closest('[data-go]');
    if (go) { show(go.dataset.go); return; }
    const action = e.target.closest('[data-action]');
    if (!action) return;
    switch (action.dataset.action) {
      case 'consent-next': consentNext(); break;
      case 'record': startRecording(); break;
      case 'pause': pauseRecording(); break;
      case 'resume': resumeRecording(); break;
      case 'stop': stopRecording('stopped'); break;
      case 'send': startSending(false); break;
      case 'rerecord': rerecord(); break;
      case 'copy': copyReceipt(); break;
      case 'again': again(); break;
    }
  });
  document.getElementById('file').addEventListener('change', onFilePicked);
  // A field stops being marked wrong as soon as the interviewer or teller changes it.
  // The complaint under the consent step goes with it, so a ticked box is never shown next to "tick this box".
  root.addEventListener('input', (e) => {
    if (e.target.removeAttribute) e.target.removeAttribute('aria-invalid');
    const err = $('#consent-error');
    if (err && !root.querySelector('[aria-invalid="true"]')) err.hidden = true;
  });
  // Leaving while recording would lose the take; leaving while sending is safe (it resumes), so only warn for the first.
  window.addEventListener('beforeunload', (e) => {
    if (recorder && recorder.state !== 'inactive') { e.preventDefault(); e.returnValue = ''; }
  });

  async function init() {
    for (const el of root.querySelectorAll('.js-only')) el.hidden = false;
    applyLanguage(lang, false);
    const unsent = await findUnsent();
    if (unsent) {
      pending = unsent;
      // A recording from before (reload, closed tab, dead battery): finish what the teller started. One that was
      // never sent goes back to "listen back", so she still decides whether to send it.
      if (unsent.sendRequested) startSending(true);
      else showReview(null);
      return;
    }
    const chosen = new URLSearchParams(location.search).has('lang');
    if (interviewer) show('consent', false);
    else show(chosen ? 'question' : 'language', false);
  }
  init();
})();
