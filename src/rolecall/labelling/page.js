"use strict";
const token = document.querySelector('meta[name="rolecall-token"]').content;
let state = null, pos = 0;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function labelText(v) { return v === null ? "no evidence" : String(v); }
function done() { return Object.keys(state.labels).length; }

function render() {
  const t = state.tasks[pos];
  document.getElementById("progress").textContent = `${done()} / ${state.tasks.length} rated · answer ${pos + 1}`;
  document.getElementById("done").style.display = done() === state.tasks.length ? "block" : "none";
  if (!t) return;
  document.getElementById("where").textContent = `${t.item} · epoch ${t.epoch} · ${t.subject}`;
  document.getElementById("question").textContent = t.question;
  const turns = document.getElementById("turns");
  turns.replaceChildren(...t.turns.map(x => el("div", "turn " + x.role, x.text)));
  document.getElementById("dimension").textContent = t.dimension_name;
  document.getElementById("description").textContent = t.description;
  const anchors = document.getElementById("anchors");
  anchors.replaceChildren(...Object.entries(t.anchors).map(([k, v]) => {
    const li = el("li"); li.append(el("b", "", k), document.createTextNode(v)); return li;
  }));
  const have = Object.prototype.hasOwnProperty.call(state.labels, String(pos)) ? state.labels[String(pos)] : undefined;
  const buttons = document.getElementById("buttons");
  const options = [];
  for (let s = state.scale[0]; s <= state.scale[1]; s++) options.push(s);
  options.push(null);
  buttons.replaceChildren(...options.map(s => {
    const b = el("button", have === s ? "chosen" : "", s === null ? "n · no evidence" : String(s));
    b.addEventListener("click", () => rate(s));
    return b;
  }));
  document.getElementById("current").textContent = have === undefined ? "not rated yet" : "your label: " + labelText(have);
}

async function rate(score) {
  const resp = await fetch("/api/label", {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-Rolecall-Token": token},
    body: JSON.stringify({index: pos, score: score}),
  });
  if (!resp.ok) { document.getElementById("current").textContent = "not saved: " + resp.status; return; }
  state.labels[String(pos)] = score;
  if (pos < state.tasks.length - 1) pos++;
  render();
}

document.addEventListener("keydown", (e) => {
  if (!state || e.ctrlKey || e.metaKey || e.altKey) return;
  const lo = state.scale[0], hi = state.scale[1];
  const d = Number(e.key);
  if (e.key.length === 1 && d >= lo && d <= hi) { rate(d); e.preventDefault(); }
  else if (e.key === "n" || e.key === "N") { rate(null); e.preventDefault(); }
  else if (e.key === "ArrowRight") { pos = Math.min(pos + 1, state.tasks.length - 1); render(); e.preventDefault(); }
  else if (e.key === "ArrowLeft") { pos = Math.max(pos - 1, 0); render(); e.preventDefault(); }
});

fetch("/api/state").then(r => r.json()).then(s => {
  state = s;
  const next = s.tasks.findIndex((_, i) => !Object.prototype.hasOwnProperty.call(s.labels, String(i)));
  pos = next === -1 ? Math.max(0, s.tasks.length - 1) : next;
  document.body.dataset.ready = "1";
  render();
});
