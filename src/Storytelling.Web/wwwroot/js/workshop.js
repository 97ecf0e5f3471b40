// The phone page of a live workshop: stories → fragments → tag with a theme, dot-votes, live news.
// Everything arrives over the hub; text is always set with textContent (never HTML).
(() => {
  "use strict";
  const root = document.getElementById("room");
  if (!root) return;
  const code = root.dataset.code;
  // Every text this script shows comes from the page (Room.resx) in the phone's language.
  const text = JSON.parse(document.getElementById("ui-text")?.textContent || "{}");
  const t = (key, ...args) => (text[key] ?? key).replace(/\{(\d+)\}/g, (m, i) => String(args[Number(i)] ?? ""));
  // The same text as nodes, each inserted value in its own <bdi>: a Dutch quote inside an Arabic sentence (or the
  // other way round) keeps its own direction and punctuation. The text content is the same as t()'s.
  const tNodes = (key, ...args) => (text[key] ?? key).split(/(\{\d+\})/).filter((part) => part !== "").map((part) => {
    const m = /^\{(\d+)\}$/.exec(part);
    return m ? Object.assign(document.createElement("bdi"), { textContent: String(args[Number(m[1])] ?? "") }) : document.createTextNode(part);
  });
  // The server explains refusals in Dutch: shown as they are on a Dutch page, otherwise a text of our own.
  const serverSpeaksPageLanguage = root.dataset.lang === "nl";
  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    for (const c of children) node.append(c);
    return node;
  };
  const themes = new Map();
  let state = null, myVotes = [], tallies = new Map(), current = null, fragments = [];

  // Keeps trying while the page is open (a web node may die mid-workshop; another takes over), 0–10 s apart with
  // jitter so a whole room does not come back in the same instant.
  const retry = { nextRetryDelayInMilliseconds: (c) => (c.previousRetryCount === 0 ? 0 : Math.min(10000, 1000 * 2 ** Math.min(c.previousRetryCount, 4))) * (0.5 + Math.random() / 2) };
  const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/workshop").withAutomaticReconnect(retry).build();
  // Codings tagged while the connection is down wait here and are sent, in order, once the phone is back in the room.
  const pending = [];
  const status = (message) => { $("status").textContent = message; };

  function errorText(e, fallback = "Failed") {
    const m = String(e && e.message || e);
    const i = m.indexOf("HubException: ");
    if (serverSpeaksPageLanguage) return i >= 0 ? m.slice(i + 14) : t("Failed");
    return t(fallback);
  }

  function setThemes(list) {
    themes.clear();
    for (const theme of list) themes.set(theme.id, theme);
    renderVotes();
    document.querySelectorAll(".picker").forEach((p) => fillPicker(p, Number(p.dataset.position)));
  }

  function renderStories() {
    const box = $("story-list");
    box.replaceChildren();
    if (state.stories.length === 0) { box.append(el("p", { className: "hint", textContent: t("NoStories") })); return; }
    const list = el("ul", { className: "story-buttons" });
    for (const s of state.stories) {
      list.append(el("li", {}, el("button", { type: "button", className: "story-button", onclick: () => openStory(s) },
        ...tNodes("StoryButton", s.teller, s.fragments))));
    }
    box.append(list);
  }

  async function openStory(story) {
    current = story;
    fragments = await connection.invoke("GetFragments", story.id);
    $("story-list").hidden = true;
    $("story").hidden = false;
    $("story-title").replaceChildren(...tNodes("StoryOf", story.teller));
    renderFragments();
    $("story-title").focus();
  }

  function chip(themeId) {
    const theme = themes.get(themeId);
    if (!theme) return document.createTextNode("");
    const c = el("span", { className: "chip", textContent: theme.name, dir: "auto" });
    c.style.setProperty("--theme", theme.colour);
    return c;
  }

  function renderFragments() {
    const list = $("fragments");
    list.replaceChildren();
    for (const f of fragments) {
      const tags = el("p", { className: "chips" });
      for (const id of f.themeIds) tags.append(chip(id));
      const button = el("button", { type: "button", className: "secondary tag-button", textContent: t("TagButton") });
      button.setAttribute("aria-expanded", "false");
      const li = el("li", { className: "fragment" }, el("p", { className: "fragment-text", textContent: f.text, dir: "auto" }), tags, button);
      li.dataset.position = f.position;
      button.onclick = () => togglePicker(li, f.position, button);
      list.append(li);
    }
  }

  function togglePicker(li, position, button) {
    const open = li.querySelector(".picker");
    if (open) { open.remove(); button.setAttribute("aria-expanded", "false"); return; }
    const picker = $("picker-template").content.firstElementChild.cloneNode(true);
    picker.dataset.position = position;
    fillPicker(picker, position);
    picker.querySelector(".new-theme").onsubmit = async (ev) => {
      ev.preventDefault();
      const input = ev.target.elements.name;
      try {
        const theme = await connection.invoke("ProposeTheme", input.value, root.dataset.themeKind);
        themes.set(theme.id, theme);
        await apply(position, theme.id);
      } catch (e) { status(errorText(e)); }
    };
    li.append(picker);
    button.setAttribute("aria-expanded", "true");
    picker.querySelector("button").focus();
  }

  function fillPicker(picker, position) {
    const box = picker.querySelector(".theme-buttons");
    box.replaceChildren();
    for (const theme of themes.values()) {
      const b = el("button", { type: "button", className: "theme-button", textContent: theme.name, dir: "auto", onclick: () => apply(position, theme.id) });
      b.style.setProperty("--theme", theme.colour);
      box.append(b);
    }
  }

  async function apply(position, themeId) {
    if (connection.state !== signalR.HubConnectionState.Connected || !root.dataset.ready) {
      pending.push({ storyId: current.id, position, themeId });
      status(t("Queued", themes.get(themeId)?.name ?? ""));
      return;
    }
    try {
      const coding = await connection.invoke("ApplyTheme", current.id, position, themeId);
      status(t("ThemeGiven", themes.get(themeId)?.name ?? ""));
      place(coding);
      renderFragments();
      const next = $("fragments").querySelector(`li[data-position="${position}"] .tag-button`);
      if (next) next.focus();
    } catch (e) {
      // Cut off mid-call: the server may or may not have it. Say so; the fragments are read again after the rejoin.
      status(connection.state === signalR.HubConnectionState.Connected ? errorText(e) : t("MaybeNotSaved"));
    }
  }

  async function sendPending() {
    while (pending.length > 0 && connection.state === signalR.HubConnectionState.Connected) {
      const p = pending[0];
      try { await connection.invoke("ApplyTheme", p.storyId, p.position, p.themeId); }
      catch (e) {
        if (connection.state !== signalR.HubConnectionState.Connected) return; // dropped again: kept for the next rejoin
        status(errorText(e));
      }
      pending.shift();
    }
    if (current) { fragments = await connection.invoke("GetFragments", current.id); renderFragments(); }
  }

  function renderVotes() {
    if (!state) return;
    const left = state.votesPerParticipant - myVotes.length;
    $("votes-left").textContent = state.votesPerParticipant === 0 ? t("NoVoting")
      : t("VotesLeft", left, state.votesPerParticipant);
    const list = $("votes");
    list.replaceChildren();
    for (const theme of themes.values()) {
      const mine = myVotes.filter((id) => id === theme.id).length;
      const total = tallies.get(theme.id) ?? 0;
      const dots = el("span", { className: "dots", textContent: "●".repeat(Math.min(total, 30)) });
      dots.setAttribute("aria-hidden", "true");
      const name = el("span", { className: "vote-name", textContent: theme.name, dir: "auto" });
      name.style.setProperty("--theme", theme.colour);
      const add = el("button", { type: "button", className: "dot-button", textContent: "+", onclick: () => vote("Vote", theme.id) });
      add.setAttribute("aria-label", t("AddDot", theme.name));
      add.disabled = left <= 0;
      const remove = el("button", { type: "button", className: "dot-button", textContent: "−", onclick: () => vote("Unvote", theme.id) });
      remove.setAttribute("aria-label", t("RemoveDot", theme.name));
      remove.disabled = mine === 0;
      list.append(el("li", { className: "vote-row" }, name, dots,
        el("span", { className: "vote-count", textContent: t("VoteCount", total, mine) }), remove, add));
    }
  }

  async function vote(method, themeId) {
    $("vote-message").textContent = "";
    try { myVotes = await connection.invoke(method, themeId); renderVotes(); }
    catch (e) { $("vote-message").textContent = errorText(e, "VoteFailed"); }
  }

  function showSpotlight(s) {
    $("spotlight").hidden = !s;
    if (!s) return;
    $("spotlight-text").replaceChildren(...tNodes("Quote", s.text));
    $("spotlight-meta").textContent = `${s.teller} · ${s.themeName}`;
  }

  // A coding lands on every fragment whose text holds its start, as the server counts it. Placed here rather than by
  // asking for the story again: in a room of 400, every coding would otherwise cost 400 reads of the transcript.
  function place(c) {
    if (!current || c.storyId !== current.id) return false;
    let changed = false;
    for (const f of fragments) {
      if (c.startChar >= f.startChar && c.startChar <= f.endChar && !f.themeIds.includes(c.themeId)) {
        f.themeIds.push(c.themeId);
        changed = true;
      }
    }
    return changed;
  }

  // One coding, or those that came close together in a busy room (the server paces them).
  connection.on("codingsAdded", (list) => {
    let placed = false;
    for (const c of list) {
      const theme = themes.get(c.themeId);
      const who = c.authorName ? `${c.authorName}` : t("Someone");
      $("feed").prepend(el("li", {}, ...tNodes("FeedItem", who, theme ? theme.name : t("ATheme"), c.text)));
      placed = place(c) || placed;
    }
    while ($("feed").children.length > 20) $("feed").lastElementChild.remove();
    // Redraw only when no picker is open, so nobody loses their place; the next redraw shows it.
    if (placed && !document.querySelector(".picker")) renderFragments();
  });
  // A coding taken off elsewhere says only which one: read the open story again, after 1–3 s at random so a full
  // room does not ask all at once, and once for a burst of removals.
  let reread = null;
  connection.on("codingRemoved", () => {
    if (!current || reread) return;
    const story = current.id;
    reread = setTimeout(async () => {
      reread = null;
      if (!current || current.id !== story || connection.state !== signalR.HubConnectionState.Connected) return;
      fragments = await connection.invoke("GetFragments", story);
      if (!document.querySelector(".picker")) renderFragments();
    }, 1000 + Math.random() * 2000);
  });
  connection.on("codebookChanged", setThemes);
  connection.on("votesChanged", (list) => { tallies = new Map(list.map((v) => [v.themeId, v.votes])); renderVotes(); });
  connection.on("spotlight", showSpotlight);
  connection.on("closed", () => { status(t("Closed")); root.classList.add("closed"); connection.stop(); });
  connection.onreconnecting(() => { root.dataset.ready = ""; status(t("Reconnecting")); });
  connection.onreconnected(() => join());

  $("back").onclick = () => { current = null; $("story").hidden = true; $("story-list").hidden = false; $("stories-heading").focus(); };

  async function join() {
    try {
      state = await connection.invoke("JoinSession", code);
      myVotes = state.myVotes;
      tallies = new Map(state.votes.map((v) => [v.themeId, v.votes]));
      setThemes(state.themes);
      renderStories();
      showSpotlight(state.spotlight);
      status(t("JoinedAs", state.me));
      root.dataset.ready = "true";
      await sendPending();
    } catch (e) {
      status(errorText(e));
      // After a node failed, a whole room rejoining from one Wi-Fi address may spend the join budget for a minute:
      // try again later instead of leaving the phone outside.
      if (String(e?.message ?? "").includes("Te veel pogingen")) setTimeout(() => { if (!root.dataset.ready) join(); }, 20000 + Math.random() * 40000);
    }
  }

  connection.start().then(join).catch(() => status(t("NoConnection")));
})();
