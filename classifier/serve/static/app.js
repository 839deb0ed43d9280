// The page's behaviour. Statements only ever reach the page through textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { results: [], maxUploadMb: null, uncertain: "uncertain" };

function token() {
  return sessionStorage.getItem("stance-token") || "";
}

function authHeaders() {
  return token() ? { Authorization: "Bearer " + token() } : {};
}

async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && body.error) return body.error;
  } catch (e) {
    // not JSON: fall through to the status line
  }
  return "the server answered " + response.status + " " + response.statusText;
}

function say(element, message, isError) {
  element.textContent = message;
  element.classList.toggle("error", Boolean(isError));
}

async function call(url, options) {
  const response = await fetch(url, { ...options, headers: { ...(options.headers || {}), ...authHeaders() } });
  if (response.status === 401) $("token-box").hidden = false;
  return response;
}

async function loadModel() {
  const response = await call("/model", {});
  if (!response.ok) {
    $("model-version").textContent = "unknown";
    $("model-accuracy").textContent = response.status === 401 ? "enter the token below" : "unknown";
    return;
  }
  const body = await response.json();
  const m = body.model;
  $("model-version").textContent = [m.kind, m.version].filter(Boolean).join(" ") || "unknown";
  const acc = body.real_accuracy;
  if (acc && typeof acc.macro_f1 === "number") {
    let text = "macro-F1 " + acc.macro_f1.toFixed(2);
    if (typeof acc.macro_f1_sd === "number") text += " ± " + acc.macro_f1_sd.toFixed(2);
    if (acc.rows) text += " on " + acc.rows + " statements";
    if (acc.scheme) text += " (" + acc.scheme + ")";
    $("model-accuracy").textContent = text;
  } else {
    $("model-accuracy").textContent = "not measured";
  }
  state.maxUploadMb = body.max_upload_mb;
  state.uncertain = body.uncertain || state.uncertain;
}

function threshold() {
  return Number($("threshold").value);
}

function render() {
  const body = $("results").tBodies[0];
  body.replaceChildren();
  const t = threshold();
  for (const r of state.results) {
    const label = r.confidence >= t ? r.label : state.uncertain;
    const row = document.createElement("tr");
    const labelCell = document.createElement("td");
    labelCell.className = "label " + label;
    labelCell.textContent = label;
    const confCell = document.createElement("td");
    confCell.className = "confidence";
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.width = (100 * r.confidence).toFixed(0) + "%";
    bar.append(fill);
    const number = document.createElement("span");
    number.className = "number";
    number.textContent = r.confidence.toFixed(2);
    confCell.append(bar, number);
    const textCell = document.createElement("td");
    textCell.className = "text";
    textCell.textContent = r.text;
    row.append(labelCell, confCell, textCell);
    body.append(row);
  }
  $("results").hidden = state.results.length === 0;
}

async function classify() {
  const texts = $("texts").value.split("\n").map((s) => s.trim()).filter((s) => s.length > 0);
  const status = $("classify-status");
  if (texts.length === 0) {
    say(status, "Type at least one statement, one per line.", true);
    return;
  }
  say(status, "Classifying " + texts.length + " statement" + (texts.length > 1 ? "s" : "") + "…");
  $("classify").disabled = true;
  try {
    const response = await call("/classify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ texts: texts, min_confidence: 0 }),
    });
    if (!response.ok) {
      say(status, await errorOf(response), true);
      return;
    }
    state.results = (await response.json()).results;
    say(status, "");
    render();
  } catch (e) {
    say(status, "Could not reach the server: " + e.message, true);
  } finally {
    $("classify").disabled = false;
  }
}

function fileNameOf(response) {
  const header = response.headers.get("Content-Disposition") || "";
  const star = /filename\*=utf-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : "scored.csv";
}

function showCounts(summary) {
  const list = $("score-counts");
  list.replaceChildren();
  for (const [label, n] of Object.entries(summary.labels).sort()) {
    const item = document.createElement("li");
    item.textContent = label + ": " + n.toLocaleString("en");
    list.append(item);
  }
  if (summary.empty) {
    const item = document.createElement("li");
    item.textContent = "empty text: " + summary.empty.toLocaleString("en");
    list.append(item);
  }
}

async function score(event) {
  event.preventDefault();
  const status = $("score-status");
  const file = $("file").files[0];
  $("score-counts").replaceChildren();
  if (!file) {
    say(status, "Choose a file first.", true);
    return;
  }
  if (state.maxUploadMb && file.size > state.maxUploadMb * 1024 * 1024) {
    say(status, file.name + " is over this server's limit of " + state.maxUploadMb + " MB; split it.", true);
    return;
  }
  const form = new FormData();
  form.append("file", file);
  if ($("text-column").value.trim()) form.append("text_column", $("text-column").value.trim());
  if (threshold() > 0.5) form.append("min_confidence", String(threshold()));
  say(status, "Scoring " + file.name + "…");
  $("score").disabled = true;
  try {
    const response = await call("/score", { method: "POST", body: form });
    if (!response.ok) {
      say(status, await errorOf(response), true);
      return;
    }
    const blob = await response.blob();
    const name = fileNameOf(response);
    const summary = JSON.parse(response.headers.get("X-Stance-Summary") || '{"rows": 0, "labels": {}}');
    const link = $("download");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.textContent = "Download " + name + " again";
    link.hidden = false;
    link.click();
    say(status, "Scored " + summary.rows.toLocaleString("en") + " rows; " + name + " downloaded.");
    showCounts(summary);
  } catch (e) {
    say(status, "Could not reach the server: " + e.message, true);
  } finally {
    $("score").disabled = false;
  }
}

$("classify").addEventListener("click", classify);
$("threshold").addEventListener("input", () => {
  $("threshold-value").textContent = threshold().toFixed(2);
  render();
});
$("score-form").addEventListener("submit", score);
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("stance-token", $("token").value.trim());
  $("token-box").hidden = true;
  loadModel();
});
loadModel();
