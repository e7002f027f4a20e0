// The chat page: long-polls /api/chat, draws the chosen persona's chat, sends what they type or tap.
"use strict";

const state = {
  personas: [],
  user: null,
  version: null,
  poll: null,
  rendered: new Map(), // message id -> {el, key, rev}
  days: new Map(), // day -> its separator
  seen: {}, // persona -> bot messages seen
  answersSeen: {}, // persona -> last callback answer shown
  clock: null,
  clockAt: 0,
};

const $ = (id) => document.getElementById(id);

async function api(path, body, signal) {
  const init = { signal, headers: {} };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- personas

function drawPersonas(list) {
  const box = $("personas");
  if (box.children.length !== list.length) {
    box.textContent = "";
    for (const p of list) {
      const b = el("button", "persona");
      b.type = "button";
      b.dataset.key = p.key;
      b.append(el("div", "t", p.title), el("div", "s", p.subtitle), el("div", "e", p.title_en));
      b.append(el("span", "badge"));
      b.addEventListener("click", () => choose(p.key));
      box.append(b);
    }
  }
  for (const p of list) {
    const b = box.querySelector(`[data-key="${p.key}"]`);
    b.classList.toggle("active", p.key === state.user);
    if (state.seen[p.key] === undefined || p.key === state.user) state.seen[p.key] = p.bot_messages;
    const unread = p.bot_messages - state.seen[p.key];
    b.querySelector(".badge").textContent = unread > 0 ? String(unread) : "";
    if (p.key === state.user) {
      const me = $("me");
      me.textContent = "";
      me.title = `${p.title} · ${p.name}`;
      me.append(el("span", "", p.title), el("span", "", p.name));
    }
  }
}

function choose(key) {
  if (!state.personas.some((p) => p.key === key)) key = state.personas[0].key;
  if (key === state.user) return;
  state.user = key;
  history.replaceState(null, "", "#" + key);
  try { localStorage.setItem("journal-demo-user", key); } catch (e) { /* private mode */ }
  state.rendered.clear();
  state.days.clear();
  $("toast").classList.remove("show");
  $("messages").textContent = "";
  $("reply-kb").textContent = "";
  state.version = null;
  drawPersonas(state.personas);
  if (state.poll) state.poll.abort();
}

// ---------------------------------------------------------------- the clock

function drawClock(clock) {
  if (!clock) return;
  state.clock = clock;
  state.clockAt = performance.now();
  tickClock();
  const box = $("clock-actions");
  const ids = clock.actions.map((a) => a.id + a.label).join("|");
  if (box.dataset.ids === ids) return;
  box.dataset.ids = ids;
  box.textContent = "";
  for (const a of clock.actions) {
    const b = el("button", "", a.label);
    b.type = "button";
    b.dataset.action = a.id;
    b.title = a.hint;
    b.append(el("small", "", a.hint));
    b.addEventListener("click", () => moveClock(a.id, b));
    box.append(b);
  }
}

function tickClock() {
  const c = state.clock;
  if (!c || !c.now_ms) return;
  const now = new Date(c.now_ms + (performance.now() - state.clockAt));
  let text;
  try {
    text = new Intl.DateTimeFormat("ru-RU", {
      timeZone: c.timezone, weekday: "short", day: "2-digit", month: "2-digit",
      year: "numeric", hour: "2-digit", minute: "2-digit",
    }).format(now);
  } catch (e) {
    text = c.label;
  }
  const box = $("clock-now");
  box.textContent = text + " ";
  box.append(el("span", "tz", c.timezone));
}

async function moveClock(action, button) {
  const buttons = $("clock-actions").querySelectorAll("button");
  buttons.forEach((b) => (b.disabled = true));
  $("clock-note").textContent = "…";
  try {
    const result = await api("/api/clock", { action });
    drawClock(result.clock);
    const ran = (result.ran || []).filter((r) => r.messages > 0).map((r) => `${r.title || r.job} (${r.messages})`);
    const queued = result.queued === undefined ? ran.length : result.queued;
    const due = Math.max(result.due || 0, queued);
    const held = due - queued;  // queued earlier, held until now (quiet hours, a retry)
    let note;
    if (due) {
      note = `Уходит сейчас · going out now: ${due}`;
      if (queued) note += ` — новых · new: ${queued}` + (ran.length ? ` (${ran.join(", ")})` : "");
      if (held) note += `${queued ? "," : " —"} ждали утра или повтора · held until now: ${held}`;
      note += ".";
    } else {
      note = "Сейчас ничего не уходит · nothing goes out now. Отметки уходят семьям через 10 минут " +
        "после выставления, а в тихие часы — утром · marks go to families 10 minutes after they " +
        "are put, in quiet hours in the morning.";
    }
    $("clock-note").textContent = `Часы: ${result.clock.label}. ` + note;
  } catch (e) {
    $("clock-note").textContent = "Не вышло · failed: " + e.message;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

// ---------------------------------------------------------------- messages

function drawChat(data) {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const ids = new Set(data.messages.map((m) => m.id));
  const days = new Set(data.messages.map((m) => m.day));
  for (const [id, item] of state.rendered) {
    if (!ids.has(id)) { item.el.remove(); state.rendered.delete(id); }
  }
  for (const [day, node] of state.days) {
    if (!days.has(day)) { node.remove(); state.days.delete(day); }
  }
  let added = false;
  let previousDay = null;
  let anchor = null;
  const place = (node) => {
    const next = anchor ? anchor.nextSibling : box.firstChild;
    if (next !== node) box.insertBefore(node, next);
    anchor = node;
  };
  for (const m of data.messages) {
    if (m.day !== previousDay) {
      previousDay = m.day;
      if (!state.days.has(m.day)) state.days.set(m.day, el("div", "day", m.day));
      place(state.days.get(m.day));
    }
    let item = state.rendered.get(m.id);
    if (!item) {
      item = { el: el("div", "row " + (m.from_bot ? "bot" : "me")), key: null, rev: -1 };
      item.el.dataset.id = m.id;
      state.rendered.set(m.id, item);
      added = true;
    }
    const key = `${m.rev}|${JSON.stringify(m.buttons)}`;
    if (item.key !== key) {
      const edited = item.rev >= 0 && item.rev !== m.rev;
      fillMessage(item.el, m);
      item.key = key;
      item.rev = m.rev;
      if (edited) {
        item.el.classList.remove("flash");
        void item.el.offsetWidth;
        item.el.classList.add("flash");
      }
    }
    place(item.el);
  }
  const empty = box.querySelector(".empty");
  if (!data.messages.length && !empty) box.append(el("div", "empty", "Сообщений пока нет · No messages yet"));
  if (data.messages.length && empty) empty.remove();
  if (added || nearBottom) box.scrollTop = box.scrollHeight;
  drawReplyKeyboard(data.reply_keyboard);
  showAnswers(data);
}

function fillMessage(row, m) {
  row.textContent = "";
  const bubble = el("div", "bubble");
  if (m.photo) {
    const img = el("img", "photo");
    img.src = m.photo.url;
    img.alt = "изображение · image";
    if (m.photo.width && m.photo.height) {
      img.width = Math.min(380, m.photo.width);
      img.style.aspectRatio = `${m.photo.width} / ${m.photo.height}`;
      img.style.height = "auto";
    }
    bubble.append(img);
  }
  if (m.document) {
    const a = el("a", "doc");
    a.href = m.document.url;
    a.download = m.document.name;
    const name = el("span", "", m.document.name);
    name.append(el("small", "", `${Math.max(1, Math.round(m.document.size / 1024))} КБ · скачать / download`));
    a.append(el("span", "ic", "⬇"), name);
    bubble.append(a);
  }
  if (m.contact) bubble.append(el("div", "text", "📞 " + m.contact));
  if (m.html) {
    const text = el("div", "text");
    text.innerHTML = m.html; // rendered and escaped on the server from Telegram entities
    bubble.append(text);
  }
  const meta = el("div", "meta");
  if (m.edited) meta.append(el("span", "edited", "изменено"));
  meta.append(document.createTextNode(m.time));
  bubble.append(meta);
  row.append(bubble);
  if (m.buttons.length) {
    const kb = el("div", "kb");
    for (const line of m.buttons) {
      const r = el("div", "kbrow");
      for (const b of line) {
        if (b.url) {
          const a = el("a", "", b.text + " ↗");
          a.href = b.url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          r.append(a);
          continue;
        }
        const btn = el("button", "", b.text);
        btn.type = "button";
        btn.title = b.text;
        if (b.data) btn.addEventListener("click", () => press(m.id, b.data, btn, kb));
        else btn.disabled = true;
        r.append(btn);
      }
      kb.append(r);
    }
    row.append(kb);
  }
}

function drawReplyKeyboard(rows) {
  const box = $("reply-kb");
  box.textContent = "";
  if (!rows) return;
  for (const line of rows) {
    const r = el("div", "kbrow");
    for (const label of line) {
      const b = el("button", "", label);
      b.type = "button";
      b.addEventListener("click", () => send(label));
      r.append(b);
    }
    box.append(r);
  }
}

function showAnswers(data) {
  const last = data.answers.length ? data.answers[data.answers.length - 1].n : -1;
  const seen = state.answersSeen[data.user];
  state.answersSeen[data.user] = Math.max(last, seen === undefined ? -1 : seen);
  if (seen === undefined) return; // the first look at a chat shows no old answers
  for (const a of data.answers) {
    if (a.n <= seen) continue;
    if (a.alert) showAlert(a.text);
    else toast(a.text);
  }
}

let toastTimer = null;
function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("show"), 2600);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
  $("alert-ok").focus();
}

// ---------------------------------------------------------------- actions

function apply(data) {
  if (data.user !== state.user) return;
  state.version = data.version;
  state.personas = data.personas;
  drawPersonas(data.personas);
  drawClock(data.clock);
  drawChat(data);
}

async function press(messageId, data, button, keyboard) {
  keyboard.querySelectorAll("button").forEach((b) => (b.disabled = true));
  button.classList.add("pressing");
  try {
    apply(await api("/api/press", { user: state.user, message_id: messageId, data }));
  } catch (e) {
    toast("Кнопка устарела · this button is gone");
  } finally {
    button.classList.remove("pressing");
    keyboard.querySelectorAll("button").forEach((b) => (b.disabled = false));
  }
}

async function send(text) {
  text = text.trim();
  if (!text) return;
  const form = $("composer");
  form.classList.add("busy");
  try {
    apply(await api("/api/send", { user: state.user, text }));
  } catch (e) {
    toast("Не отправлено · not sent: " + e.message);
  } finally {
    form.classList.remove("busy");
  }
}

async function loop() {
  for (;;) {
    const user = state.user;
    const controller = new AbortController();
    state.poll = controller;
    const since = state.version === null ? "" : `&since=${state.version}&wait=20`;
    try {
      const data = await api(`/api/chat?user=${encodeURIComponent(user)}${since}`, undefined, controller.signal);
      if (user === state.user) apply(data);
    } catch (e) {
      if (!controller.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function boot() {
  const info = await api("/api/personas");
  const page = info.page || {};
  if (page.title) { $("page-title").textContent = page.title; document.title = page.title; }
  if (page.title_en) $("page-title-en").textContent = page.title_en;
  if (page.logo) { $("logo").textContent = page.logo; $("avatar").textContent = page.logo; }
  if (page.tips) { $("tips").innerHTML = page.tips; $("tips").hidden = false; }
  if (!info.clock) document.querySelector(".clock").hidden = true;
  $("bot-title").textContent = info.bot.title || "Бот";
  $("bot-sub").textContent = info.bot.username ? `@${info.bot.username} · бот` : "бот";
  state.personas = info.personas;
  drawClock(info.clock);
  let wanted = location.hash.slice(1);
  if (!wanted) { try { wanted = localStorage.getItem("journal-demo-user") || ""; } catch (e) { wanted = ""; } }
  choose(wanted || info.personas[0].key);
  setInterval(tickClock, 1000);
  loop();
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("text");
  const text = input.value;
  input.value = "";
  send(text);
});
$("composer").querySelector(".quick").addEventListener("click", () => send("/menu"));
$("messages").addEventListener("click", (event) => {
  const target = event.target;
  if (target.classList.contains("cmd")) { event.preventDefault(); send(target.dataset.cmd); }
  if (target.classList.contains("spoiler")) target.classList.add("open");
});
$("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
window.addEventListener("hashchange", () => choose(location.hash.slice(1)));
boot();
