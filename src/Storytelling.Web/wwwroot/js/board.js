// The projector's theme board and the facilitator's spotlight control. Redraws from the server's board on any change
// (debounced), so the numbers are always the server's, never a client's running sum.
(() => {
  "use strict";
  const root = document.getElementById("board");
  const projectId = root.dataset.project, sessionId = root.dataset.session;
  // Every text this script shows comes from the page (Board.resx) in the reader's language.
  const text = JSON.parse(document.getElementById("ui-text")?.textContent || "{}");
  const t = (key, ...args) => (text[key] ?? key).replace(/\{(\d+)\}/g, (m, i) => String(args[Number(i)] ?? ""));
  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    for (const c of children) node.append(c);
    return node;
  };
  // Keeps trying while the board is open: when a web node dies the projector reconnects to another and redraws.
  const retry = { nextRetryDelayInMilliseconds: (c) => (c.previousRetryCount === 0 ? 0 : Math.min(10000, 1000 * 2 ** Math.min(c.previousRetryCount, 4))) * (0.5 + Math.random() / 2) };
  const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/workshop").withAutomaticReconnect(retry).build();
  let timer = null, spot = null, stopAt = null, sessionOpen = true;

  const plural = (n, one, many) => t(n === 1 ? one : many, n);

  function render(board) {
    const list = $("themes");
    list.replaceChildren();
    if (board.themes.length === 0) list.append(el("li", { className: "hint", textContent: t("NoThemes") }));
    // A theme nobody used yet gets a name in one line below the cards, not a card of its own.
    const unused = board.themes.filter((theme) => theme.codings === 0 && theme.votes === 0);
    $("unused").hidden = unused.length === 0;
    $("unused").textContent = unused.length ? t("Unused", unused.map((theme) => theme.name).join(" · ")) : "";
    for (const theme of board.themes.filter((x) => !unused.includes(x))) {
      const card = el("li", { className: "theme-card" });
      card.style.setProperty("--theme", theme.colour);
      card.dataset.theme = theme.id;
      card.append(el("h2", { textContent: theme.name }));
      card.append(el("p", { className: "numbers", textContent: `${plural(theme.stories, "StoryOne", "StoryMany")} · ${plural(theme.tellers, "TellerOne", "TellerMany")} · ${t("Tagged", theme.codings)}` }));
      const votes = el("p", { className: "votes-line" });
      votes.append(el("span", { textContent: "●".repeat(Math.min(theme.votes, 40)), ariaHidden: "true" }), ` ${plural(theme.votes, "VoteOne", "VoteMany")}`);
      card.append(votes);
      const quotes = el("ol", { className: "quotes" });
      for (const q of theme.quotes) {
        const meta = el("p", { className: "quote-meta" }, el("span", { textContent: `${q.teller}${q.times > 1 ? t("Chosen", q.times) : ""}` }));
        // A closed session takes no spotlight (the hub refuses it), so it offers none.
        if (board.open) {
          const button = el("button", { type: "button", className: "secondary", textContent: t("SpotlightButton"), onclick: () => spotlight(q.codingId) });
          button.setAttribute("aria-label", t("SpotlightQuote", q.teller));
          meta.append(button);
        }
        quotes.append(el("li", {}, el("blockquote", { textContent: t("Quote", q.text) }), meta));
      }
      card.append(quotes);
      list.append(card);
    }
    $("board-status").textContent = `${plural(board.participants, "ParticipantOne", "ParticipantMany")} · ${t(board.open ? "Live" : "Closed")}`;
    sessionOpen = board.open;
    showSpot(board.spotlight);
  }

  function showSpot(s) {
    spot = s;
    $("spot").hidden = !s;
    if (!s) return;
    $("spot-text").textContent = t("Quote", s.text);
    $("spot-meta").textContent = `${s.teller} · ${s.themeName}`;
    $("spot-clear").hidden = !sessionOpen;
    const audio = $("spot-audio");
    const hasAudio = !!s.audioUrl;
    audio.hidden = true;
    $("spot-play").hidden = !hasAudio;
    $("spot-audio-note").hidden = hasAudio;
    if (hasAudio && audio.dataset.src !== s.audioUrl) { audio.dataset.src = s.audioUrl; audio.src = s.audioUrl; }
  }

  $("spot-audio").addEventListener("error", () => { $("spot-play").hidden = true; $("spot-audio-note").hidden = false; });
  $("spot-audio").addEventListener("timeupdate", (e) => { if (stopAt !== null && e.target.currentTime >= stopAt) { e.target.pause(); stopAt = null; } });
  $("spot-play").onclick = () => {
    const audio = $("spot-audio");
    audio.hidden = false;
    audio.currentTime = spot.startMs / 1000;
    stopAt = Math.max(spot.endMs, spot.startMs + 1000) / 1000;
    audio.play().catch(() => { $("spot-play").hidden = true; $("spot-audio-note").hidden = false; });
  };
  $("spot-clear").onclick = () => spotlight(null);

  async function spotlight(codingId) {
    try { await connection.invoke("Spotlight", codingId); }
    catch { $("board-status").textContent = t("SpotlightFailed"); }
  }

  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(async () => { render(await connection.invoke("GetBoard")); root.dataset.updated = String(Date.now()); }, 250);
  }

  for (const e of ["codingsAdded", "codingRemoved", "codebookChanged", "votesChanged"]) connection.on(e, refresh);
  connection.on("spotlight", showSpot);
  connection.on("closed", () => { $("board-status").textContent = t("ClosedStatus"); refresh(); });
  connection.onreconnecting(() => { $("board-status").textContent = t("Reconnecting"); });
  connection.onreconnected(() => watch());

  async function watch() {
    try { render(await connection.invoke("WatchBoard", projectId, sessionId)); root.dataset.ready = "true"; }
    catch (e) { $("board-status").textContent = t("BoardFailed"); }
  }
  connection.start().then(watch).catch(() => { $("board-status").textContent = t("NoConnection"); });
})();
