// The phone page of a live workshop: stories → fragments → tag with a theme, dot-votes, live news.
// Everything arrives over the hub; text is always set with textContent (never HTML).
(() => {
  "use strict";
  const root = document.getElementById("room");
  if (!root) return;
  const code = root.dataset.code;
  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    for (const c of children) node.append(c);
    return node;
  };
  const themes = new Map();
  let state = null, myVotes = [], tallies = new Map(), current = null, fragments = [];

  const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/workshop").withAutomaticReconnect().build();
  const status = (text) => { $("status").textContent = text; };

  function errorText(e) {
    const m = String(e && e.message || e);
    const i = m.indexOf("HubException: ");
    return i >= 0 ? m.slice(i + 14) : "Dat lukte niet. Probeer het nog eens.";
  }

  function setThemes(list) {
    themes.clear();
    for (const t of list) themes.set(t.id, t);
    renderVotes();
    document.querySelectorAll(".picker").forEach((p) => fillPicker(p, Number(p.dataset.position)));
  }

  function renderStories() {
    const box = $("story-list");
    box.replaceChildren();
    if (state.stories.length === 0) { box.append(el("p", { className: "hint", textContent: "Er zijn nog geen verhalen om te bespreken." })); return; }
    const list = el("ul", { className: "story-buttons" });
    for (const s of state.stories) {
      list.append(el("li", {}, el("button", {
        type: "button", className: "story-button", textContent: `${s.teller} · ${s.fragments} stukjes`,
        onclick: () => openStory(s),
      })));
    }
    box.append(list);
  }

  async function openStory(story) {
    current = story;
    fragments = await connection.invoke("GetFragments", story.id);
    $("story-list").hidden = true;
    $("story").hidden = false;
    $("story-title").textContent = `Verhaal van ${story.teller}`;
    renderFragments();
    $("story-title").focus();
  }

  function chip(themeId) {
    const t = themes.get(themeId);
    if (!t) return document.createTextNode("");
    const c = el("span", { className: "chip", textContent: t.name });
    c.style.setProperty("--theme", t.colour);
    return c;
  }

  function renderFragments() {
    const list = $("fragments");
    list.replaceChildren();
    for (const f of fragments) {
      const tags = el("p", { className: "chips" });
      for (const id of f.themeIds) tags.append(chip(id));
      const button = el("button", { type: "button", className: "secondary tag-button", textContent: "Thema geven" });
      button.setAttribute("aria-expanded", "false");
      const li = el("li", { className: "fragment" }, el("p", { className: "fragment-text", textContent: f.text }), tags, button);
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
        const theme = await connection.invoke("ProposeTheme", input.value, "Overig");
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
    for (const t of themes.values()) {
      const b = el("button", { type: "button", className: "theme-button", textContent: t.name, onclick: () => apply(position, t.id) });
      b.style.setProperty("--theme", t.colour);
      box.append(b);
    }
  }

  async function apply(position, themeId) {
    try {
      await connection.invoke("ApplyTheme", current.id, position, themeId);
      status(`Thema "${themes.get(themeId)?.name ?? ""}" gegeven.`);
      fragments = await connection.invoke("GetFragments", current.id);
      renderFragments();
      const next = $("fragments").querySelector(`li[data-position="${position}"] .tag-button`);
      if (next) next.focus();
    } catch (e) { status(errorText(e)); }
  }

  function renderVotes() {
    if (!state) return;
    const left = state.votesPerParticipant - myVotes.length;
    $("votes-left").textContent = state.votesPerParticipant === 0 ? "In deze sessie wordt niet gestemd."
      : `Je hebt nog ${left} van ${state.votesPerParticipant} stippen. Zet ze bij de thema's die het belangrijkst zijn.`;
    const list = $("votes");
    list.replaceChildren();
    for (const t of themes.values()) {
      const mine = myVotes.filter((id) => id === t.id).length;
      const total = tallies.get(t.id) ?? 0;
      const dots = el("span", { className: "dots", textContent: "●".repeat(Math.min(total, 30)) });
      dots.setAttribute("aria-hidden", "true");
      const name = el("span", { className: "vote-name", textContent: t.name });
      name.style.setProperty("--theme", t.colour);
      const add = el("button", { type: "button", className: "dot-button", textContent: "+", onclick: () => vote("Vote", t.id) });
      add.setAttribute("aria-label", `Stip zetten bij ${t.name}`);
      add.disabled = left <= 0;
      const remove = el("button", { type: "button", className: "dot-button", textContent: "−", onclick: () => vote("Unvote", t.id) });
      remove.setAttribute("aria-label", `Stip weghalen bij ${t.name}`);
      remove.disabled = mine === 0;
      list.append(el("li", { className: "vote-row" }, name, dots,
        el("span", { className: "vote-count", textContent: `${total} (jij ${mine})` }), remove, add));
    }
  }

  async function vote(method, themeId) {
    $("vote-message").textContent = "";
    try { myVotes = await connection.invoke(method, themeId); renderVotes(); }
    catch (e) { $("vote-message").textContent = errorText(e); }
  }

  function showSpotlight(s) {
    $("spotlight").hidden = !s;
    if (!s) return;
    $("spotlight-text").textContent = `“${s.text}”`;
    $("spotlight-meta").textContent = `${s.teller} · ${s.themeName}`;
  }

  connection.on("codingAdded", (c) => {
    const t = themes.get(c.themeId);
    const who = c.authorName ? `${c.authorName}` : "Iemand";
    $("feed").prepend(el("li", { textContent: `${who} gaf "${t ? t.name : "een thema"}": “${c.text}”` }));
    while ($("feed").children.length > 20) $("feed").lastElementChild.remove();
    if (current && c.storyId === current.id) {
      connection.invoke("GetFragments", current.id).then((f) => {
        fragments = f;
        // Redraw only when no picker is open, so nobody loses their place.
        if (!document.querySelector(".picker")) renderFragments();
      });
    }
  });
  connection.on("codebookChanged", setThemes);
  connection.on("votesChanged", (list) => { tallies = new Map(list.map((v) => [v.themeId, v.votes])); renderVotes(); });
  connection.on("spotlight", showSpotlight);
  connection.on("closed", () => { status("De werksessie is gesloten. Bedankt voor het meedoen!"); root.classList.add("closed"); connection.stop(); });
  connection.onreconnecting(() => status("Verbinding kwijt, opnieuw verbinden…"));
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
      status(`Je doet mee als ${state.me}.`);
      root.dataset.ready = "true";
    } catch (e) { status(errorText(e)); }
  }

  connection.start().then(join).catch(() => status("Geen verbinding. Ververs de pagina om het opnieuw te proberen."));
})();
