/* humdial-eval results browser. Plain DOM, no framework, no network.
 * Every text from a run (replies, user turns, judges' reasons, ids, messages) reaches the page through
 * text nodes only (never innerHTML), with control and bidi characters shown as visible escapes; links are
 * built from numbers only. */
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const app = document.getElementById("app");
  const SVG = "http://www.w3.org/2000/svg";
  // C0/C1 controls (not tab/newline), soft hyphen, Arabic letter mark, bidi marks, embeddings, overrides,
  // isolates, zero-width and other invisible format characters: shown as \uXXXX, as the CLI shows them.
  const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;
  const AUDIO_SRC = /^(file:|data:audio\/wav;base64,|audio\/\d+\/\d+$)/;
  const state = { run: 0, filter: { task: "", language: "", flag: "", dimension: "", min: "", max: "", text: "" },
                  sort: { column: "", descending: false }, filtered: null };

  function shown(value) {
    if (value === null || value === undefined) return "";
    return String(value).replace(UNSAFE, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  }

  /* el("td", {class: "x", title: "..."}, child, ...): children are nodes or texts (texts become text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "href") {
        if (!/^#\/[a-z0-9/]*$/.test(value)) throw new Error("internal link expected");
        node.setAttribute("href", value);
      } else if (name === "class" || name === "title" || name === "id" || name === "type" || name === "value" ||
                 name === "placeholder" || name === "colspan" || name === "dir" || name.startsWith("data-") ||
                 name.startsWith("aria-")) {
        node.setAttribute(name, name === "title" ? shown(value) : String(value));
      } else {
        throw new Error("attribute not allowed: " + name);
      }
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(shown(child)));
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  }

  function fmt(value) { return typeof value === "number" && isFinite(value) ? value.toFixed(2) : "n/a"; }
  function fmtCi(ci) { return Array.isArray(ci) && ci.length === 2 ? "[" + fmt(ci[0]) + ", " + fmt(ci[1]) + "]" : ""; }
  function signed(value) { return typeof value === "number" ? (value > 0 ? "+" : "") + value.toFixed(2) : "n/a"; }
  function number(value, attrs, text) {
    return el("span", Object.assign({ class: "num", "data-value": value === null || value === undefined ? "null" : String(value) }, attrs || {}),
              text === undefined ? fmt(value) : text);
  }
  function run() { return DATA.runs[state.run]; }
  function audioPlayer(runData, index, label) {
    if (index === null || index === undefined) return el("span", { class: "muted" }, "no recording available");
    const src = runData.audio[index];
    if (typeof src !== "string" || !AUDIO_SRC.test(src)) return el("span", { class: "muted" }, "recording not embedded");
    const audio = el("audio", { class: "player", "data-audio": label, "aria-label": label });
    audio.controls = true;
    audio.preload = "metadata";
    audio.src = src;
    return audio;
  }

  /* ---------------- routing ---------------- */
  function route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
    window.scrollTo(0, 0);
    app.replaceChildren();
    try {
      if (parts[0] === "compare" && DATA.comparisons.length) {
        const c = clamp(+parts[1] || 0, DATA.comparisons.length);
        if (parts[2] === "item") renderCompareItem(c, +parts[3] || 0); else renderCompare(c);
        return;
      }
      state.run = parts[0] === "run" ? clamp(+parts[1] || 0, DATA.runs.length) : 0;
      if (parts[2] === "items") renderItems();
      else if (parts[2] === "item") renderItem(+parts[3] || 0);
      else renderOverview();
    } catch (error) {
      app.replaceChildren(el("p", { class: "error" }, "The page could not be drawn: " + error.message));
      throw error;
    }
  }
  function clamp(i, n) { return Math.max(0, Math.min(n - 1, Math.floor(i))); }

  function nav(active) {
    const bar = el("nav", { class: "nav" }, el("strong", {}, "humdial-eval"));
    DATA.runs.forEach((r, i) => {
      const here = i === state.run && active !== "compare";
      bar.append(el("span", { class: "runlabel" + (here ? " active" : "") }, r.label + ":"),
        el("a", { href: "#/run/" + i, class: here && active === "overview" ? "active" : null }, "overview"),
        el("a", { href: "#/run/" + i + "/items", class: here && active === "items" ? "active" : null, "data-nav": "items" }, "items"));
    });
    DATA.comparisons.forEach((c, i) => bar.append(el("a", { href: "#/compare/" + i, class: active === "compare" ? "active" : null, "data-nav": "compare" },
      "compare " + DATA.runs[c.other].label + " vs " + DATA.runs[c.base].label)));
    return bar;
  }

  /* ---------------- overview ---------------- */
  function renderOverview() {
    const r = run(), s = r.summary || {};
    app.append(nav("overview"), el("h1", {}, "Run ", el("span", { "data-field": "system" }, s.system || r.label)),
      el("p", { class: "muted" }, (r.path ? "folder " + r.path + " · " : "") + (s.schema || "")));
    app.append(finalBlock(s));
    app.append(meansTable(r, s));
    app.append(el("h2", {}, "Score distributions"), distributions(r));
    app.append(countsBlock(r, s));
    app.append(protocolBlock(s));
    if (r.notes.length) app.append(el("h2", {}, "Notes on reading this run"), el("ul", {}, r.notes.map((n) => el("li", {}, n))));
  }

  function finalBlock(s) {
    const box = el("section", { class: "final" });
    const langs = Object.keys(s.languages || {});
    if (typeof s.final === "number") {
      box.append(el("div", { class: "big" }, "Final ", number(s.final, { "data-testid": "final" }), " ",
        el("span", { class: "ci" }, fmtCi(s.final_ci))));
    } else {
      box.append(el("div", { class: "big" }, "Final ", number(null, { "data-testid": "final" })));
      const missing = [...new Set(langs.flatMap((l) => (s.languages[l] || {}).final_missing || []))];
      if (missing.length) box.append(el("p", {}, "Not scored: " + missing.join(", ")));
      if (typeof s.final_partial === "number") {
        box.append(el("div", { class: "partial" }, "Partial final ", number(s.final_partial, { "data-testid": "final_partial" }),
          el("span", { class: "muted" }, " (official weights renormalised over the scored dimensions: not comparable with the official final)")));
      }
    }
    if (s.one_language_final) box.append(el("p", {}, "One-language result (" + s.one_language_final.language + ", not the official final): ",
      number(s.one_language_final.final)));
    const per = el("p", {});
    for (const l of langs) {
      const e = s.languages[l] || {};
      per.append(el("span", { class: "lang" }, l + ": final ", number(e.final, { "data-testid": "final-" + l }), " " + fmtCi(e.final_ci),
        typeof e.final_partial === "number" ? el("span", { class: "muted" }, " · partial ", number(e.final_partial)) : null));
    }
    box.append(per);
    const complete = s.final_complete;
    box.append(el("p", { class: complete === false ? "warn" : "muted" },
      "final_complete: " + String(complete) + (s.final_scope ? " · scope " + s.final_scope : "") +
      (s.unscored_expected && Object.keys(s.unscored_expected).length ? " · unscored: " +
        Object.entries(s.unscored_expected).map(([k, v]) => k + " " + v).join(", ") : "")));
    return box;
  }

  function meansTable(r, s) {
    const langs = Object.keys(s.languages || {});
    const head = el("tr", {}, el("th", {}, "task"), el("th", {}, "dimension"),
      langs.map((l) => [el("th", {}, l + " mean"), el("th", {}, l + " 95% CI"), el("th", {}, l + " n / expected")]));
    const body = el("tbody");
    const tasks = [...new Set(r.dimensions.map((d) => d[0]))];
    for (const task of tasks) {
      const dims = r.dimensions.filter((d) => d[0] === task).map((d) => d[1]).concat(["avg"]);
      for (const dim of dims) {
        const tr = el("tr", { class: dim === "avg" ? "avg" : null }, el("td", {}, task), el("td", {}, dim));
        for (const l of langs) {
          const e = ((s.languages[l] || {})[task]) || {};
          const n = e[dim + "_n"], expected = e[dim + "_n_expected"];
          const short = typeof n === "number" && typeof expected === "number" && n < expected;
          tr.append(el("td", {}, number(e[dim], { "data-cell": l + "|" + task + "|" + dim })), el("td", { class: "ci" }, fmtCi(e[dim + "_ci"])),
            el("td", { class: short ? "warn" : "muted" }, n === undefined ? "" : String(n) + (expected === undefined ? "" : " / " + expected)));
        }
        body.append(tr);
      }
    }
    return el("section", {}, el("h2", {}, "Means per task, dimension and language"),
      el("table", { class: "means", "data-table": "means" }, el("thead", {}, head), body));
  }

  function distributions(r) {
    const wrap = el("div", { class: "plots" });
    const langs = [...new Set(r.rows.map((row) => row.language))].sort();
    const colours = ["#3b6ea5", "#d9822b", "#5a9e5a", "#a5527a"];
    for (const [task, dim] of r.dimensions) {
      const counts = langs.map(() => [0, 0, 0, 0, 0]);
      let any = false;
      for (const row of r.rows) {
        const v = row.scores[dim];
        if (row.task !== task || typeof v !== "number") continue;
        const bin = Math.min(5, Math.max(1, Math.round(v))) - 1;
        counts[langs.indexOf(row.language)][bin] += 1;
        any = true;
      }
      if (!any) continue;
      const max = Math.max(1, ...counts.flat());
      const W = 220, H = 120, left = 24, bottom = 18, group = (W - left) / 5, bar = (group - 6) / langs.length;
      const plot = svg("svg", { width: W, height: H + 4, viewBox: "0 0 " + W + " " + (H + 4), role: "img", "data-plot": task + "|" + dim });
      plot.append(svg("line", { x1: left, y1: H - bottom, x2: W, y2: H - bottom, stroke: "#888" }));
      counts.forEach((bins, li) => bins.forEach((count, b) => {
        const h = (H - bottom - 8) * count / max;
        const rect = svg("rect", { x: left + b * group + 3 + li * bar, y: H - bottom - h, width: Math.max(1, bar - 1), height: h, fill: colours[li % colours.length] });
        const title = svg("title");
        title.textContent = langs[li] + ", score " + (b + 1) + ": " + count + " item(s)";
        rect.append(title);
        plot.append(rect);
      }));
      for (let b = 0; b < 5; b++) {
        const label = svg("text", { x: left + b * group + group / 2, y: H - 4, "text-anchor": "middle", "font-size": 11 });
        label.textContent = String(b + 1);
        plot.append(label);
      }
      const top = svg("text", { x: 2, y: 12, "font-size": 10 });
      top.textContent = String(max);
      plot.append(top);
      wrap.append(el("figure", {}, plot, el("figcaption", {}, task + " " + dim)));
    }
    const legend = el("p", { class: "legend" }, langs.map((l, i) => el("span", { class: "key key" + (i % 4) }, l)),
      el("span", { class: "muted" }, " bars: items per score (the judge that counts for the dimension; repeats averaged, then rounded)"));
    return el("div", {}, legend, wrap);
  }

  function countsBlock(r, s) {
    const section = el("section", {}, el("h2", {}, "Counts, flags and validation"));
    const counts = s.counts || {};
    section.append(el("table", { class: "counts", "data-table": "counts" }, el("tbody", {},
      Object.entries(counts).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, number(v, { "data-count": k }, String(v))),
        el("td", { class: "muted" }, DATA.explain[k] || ""))))));
    const v = s.validation || {};
    section.append(el("p", {}, "Validation: ", number(v.errors, { "data-count": "validation_errors" }, String(v.errors ?? "n/a")), " error(s), ",
      number(v.warnings, { "data-count": "validation_warnings" }, String(v.warnings ?? "n/a")), " warning(s)",
      r.validation.length ? "" : " (details are in validation.jsonl; `humdial-eval view` shows them)"));
    if (r.validation.length) section.append(issuesTable(r.validation.slice(0, 2000)));
    return section;
  }

  function issuesTable(issues) {
    return el("table", { class: "issues", "data-table": "issues" },
      el("thead", {}, el("tr", {}, ["severity", "code", "file", "line", "dialogue", "turn", "field", "message"].map((h) => el("th", {}, h)))),
      el("tbody", {}, issues.map((i) => el("tr", { class: i.severity === "error" ? "error" : null },
        [i.severity, i.code, i.file, i.line, i.dialogue_id, i.turn_id, i.field, (i.scope === "testset" ? "[test set] " : "") + shown(i.message)]
          .map((c) => el("td", {}, c === null || c === undefined ? "" : String(c)))))));
  }

  function protocolBlock(s) {
    const section = el("section", {}, el("h2", {}, "Protocol and sources"));
    const p = s.protocol || {};
    section.append(el("p", {}, "Protocol ", el("strong", {}, p.name || "n/a"), p.description ? ": " + p.description : ""));
    section.append(kvTable(Object.fromEntries(Object.entries(p).filter(([k]) => k !== "name" && k !== "description")), "protocol"));
    const identities = Object.fromEntries((s.judges || []).map((j) => [j.name, j.identity]));
    const primary = s.primary_judges || {};
    section.append(el("table", { class: "sources", "data-table": "sources" },
      el("thead", {}, el("tr", {}, el("th", {}, "task.dimension"), el("th", {}, "judge that counts"), el("th", {}, "source (backend)"), el("th", {}, "identity"))),
      el("tbody", {}, Object.entries(primary).map(([dim, judge]) => {
        const identity = identities[judge] || {};
        return el("tr", {}, el("td", {}, dim), el("td", {}, judge), el("td", {}, identity.backend || ""), el("td", { class: "mono" }, JSON.stringify(identity)));
      }))));
    if (s.options) section.append(el("h3", {}, "Options"), kvTable(s.options, "options"));
    section.append(el("p", { class: "muted" }, "Test set: " + (s.testset || "n/a") + " · submission: " + (s.submission || "n/a")));
    return section;
  }

  function kvTable(obj, name) {
    return el("table", { class: "kv", "data-table": name }, el("tbody", {}, Object.entries(obj || {}).map(([k, v]) =>
      el("tr", {}, el("th", {}, k), el("td", { class: "mono" }, typeof v === "string" ? v : JSON.stringify(v))))));
  }

  /* ---------------- items ---------------- */
  function rowText(r, row) {
    if (row._text === undefined) {
      const d = r.dialogues[row.task + "|" + row.language + "|" + row.dialogue_id];
      const reply = d && d.replies[String(row.turn_id)];
      row._text = [row.dialogue_id, reply ? reply.text : "", row.flags.join(" ")]
        .concat(row.records.map((i) => r.records[i].rationale + " " + (r.records[i].error || ""))).join("\n").toLowerCase();
    }
    return row._text;
  }

  function filteredRows(r) {
    const f = state.filter, text = f.text.trim().toLowerCase();
    const low = f.min === "" ? -Infinity : +f.min, high = f.max === "" ? Infinity : +f.max;
    let out = [];
    r.rows.forEach((row, i) => {
      if (f.task && row.task !== f.task) return;
      if (f.language && row.language !== f.language) return;
      if (f.flag === "(none)" ? row.flags.length : f.flag && !row.flags.includes(f.flag) && !row.status.includes(f.flag.replace(/^status:/, ""))) return;
      if (f.dimension) {
        const v = row.scores[f.dimension];
        if (typeof v !== "number" || v < low || v > high) return;
      } else if (f.min !== "" || f.max !== "") {
        const values = Object.values(row.scores);
        if (!values.some((v) => v >= low && v <= high)) return;
      }
      if (text && !rowText(r, row).includes(text)) return;
      out.push(i);
    });
    const { column, descending } = state.sort;
    if (column) {
      const key = (i) => {
        const row = r.rows[i];
        if (column.startsWith("dim:")) { const v = row.scores[column.slice(4)]; return typeof v === "number" ? v : -Infinity; }
        if (column === "flags") return row.flags.join(",");
        return row[column];
      };
      out.sort((a, b) => {
        const x = key(a), y = key(b);
        const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
        return (descending ? -c : c) || a - b;
      });
    }
    return out;
  }

  function renderItems() {
    const r = run();
    app.append(nav("items"), el("h1", {}, "Items of " + r.label));
    const tasks = [...new Set(r.rows.map((x) => x.task))].sort();
    const langs = [...new Set(r.rows.map((x) => x.language))].sort();
    const flags = [...new Set(r.rows.flatMap((x) => x.flags.concat(x.status.filter((s) => s !== "ok").map((s) => "status:" + s))))].sort();
    const f = state.filter;
    const select = (name, label, options) => {
      const s = el("select", { "data-filter": name, "aria-label": label }, el("option", { value: "" }, label + ": all"),
        options.map((o) => el("option", { value: o }, o)));
      s.value = f[name];
      s.addEventListener("change", () => { f[name] = s.value; draw(); });
      return s;
    };
    const input = (name, label, type) => {
      const i = el("input", { type, "data-filter": name, placeholder: label, "aria-label": label });
      i.value = f[name];
      i.addEventListener("input", () => { f[name] = i.value; draw(); });
      return i;
    };
    const bar = el("div", { class: "filters" }, select("task", "task", tasks), select("language", "language", langs),
      select("dimension", "dimension", [...new Set(r.dimensions.map((d) => d[1]))]),
      input("min", "score ≥", "number"), input("max", "score ≤", "number"),
      select("flag", "flag", ["(none)"].concat(flags)), input("text", "search ids, replies, reasons", "search"));
    const count = el("p", { "data-testid": "count" });
    const table = el("table", { class: "items", "data-table": "items" });
    app.append(bar, count, table);
    const columns = [["task", "task"], ["language", "lang"], ["dialogue_id", "dialogue"], ["turn_id", "turn"]]
      .concat(r.dimensions.map(([t, d]) => ["dim:" + d, t + " " + abbreviate(d), t + " " + d]), [["flags", "flags"]]);
    app.append(el("p", { class: "muted legend" }, "Columns: " + r.dimensions.map(([t, d]) => t + " " + abbreviate(d) + " = " + d).join(", ") +
      ". Scores are those of the judge that counts for the dimension (repeats averaged). Click a heading to sort."));
    function draw() {
      const rows = filteredRows(r);
      state.filtered = { run: state.run, rows };
      count.textContent = rows.length + " of " + r.rows.length + " items";
      const head = el("tr", {}, el("th", {}, "#"), columns.map(([key, label, title]) => {
        const th = el("th", { title: title || label, "data-sort": key, class: "sortable" + (state.sort.column === key ? (state.sort.descending ? " desc" : " asc") : "") }, label);
        th.addEventListener("click", () => {
          state.sort = { column: key, descending: state.sort.column === key ? !state.sort.descending : key.startsWith("dim:") };
          draw();
        });
        return th;
      }));
      const body = document.createElement("tbody");
      const frag = document.createDocumentFragment();
      rows.forEach((i, position) => {
        const row = r.rows[i];
        const tr = document.createElement("tr");
        tr.dataset.row = String(i);
        tr.append(el("td", { class: "muted" }, String(position + 1)), el("td", {}, row.task), el("td", {}, row.language),
          el("td", {}, el("a", { href: "#/run/" + state.run + "/item/" + i }, row.dialogue_id)), el("td", {}, row.turn_id === null ? "" : String(row.turn_id)));
        for (const [t, d] of r.dimensions) {
          const v = row.task === t ? row.scores[d] : undefined;
          tr.append(el("td", { class: "score s" + (typeof v === "number" ? Math.round(v) : "") }, typeof v === "number" ? String(v) : ""));
        }
        tr.append(el("td", { class: "flags" }, row.flags.join(" "), row.status.filter((s) => s !== "ok").map((s) => el("span", { class: "bad" }, " " + s))));
        frag.append(tr);
      });
      body.append(frag);
      table.replaceChildren(el("thead", {}, head), body);
    }
    draw();
  }

  /* Accuracy_Completeness -> AC: the items table has a column per dimension of every task. */
  function abbreviate(name) {
    const parts = name.split("_").filter(Boolean);
    return parts.length > 1 ? parts.map((p) => p[0].toUpperCase()).join("") : name.slice(0, 10);
  }

  /* ---------------- one item ---------------- */
  function renderItem(index) {
    const r = run();
    if (!r.rows.length) { app.append(nav("items"), el("p", { class: "muted" }, "This run has no items.")); return; }
    const i = clamp(index, r.rows.length);
    const row = r.rows[i];
    const order = state.filtered && state.filtered.run === state.run ? state.filtered.rows : r.rows.map((_, k) => k);
    const at = order.indexOf(i);
    const links = el("p", { class: "pager" });
    if (at > 0) links.append(el("a", { href: "#/run/" + state.run + "/item/" + order[at - 1], "data-nav": "previous" }, "← previous"), " ");
    links.append(el("span", { class: "muted" }, at >= 0 ? "item " + (at + 1) + " of " + order.length + " under the current filter" : "not under the current filter"));
    if (at >= 0 && at < order.length - 1) links.append(" ", el("a", { href: "#/run/" + state.run + "/item/" + order[at + 1], "data-nav": "next" }, "next →"));
    app.append(nav("items"), links, itemPanel(r, row));
  }

  function itemPanel(r, row) {
    const panel = el("article", { class: "item", "data-item": row.key });
    panel.append(el("h1", {}, row.task + " · " + row.language + " · ", el("span", { "data-field": "dialogue_id" }, row.dialogue_id),
      " · turn " + (row.turn_id === null ? "n/a" : row.turn_id)));
    const d = r.dialogues[row.task + "|" + row.language + "|" + row.dialogue_id];
    const convo = el("section", { class: "dialogue" }, el("h2", {}, "Dialogue so far"));
    if (!d) convo.append(el("p", { class: "muted" }, "The dialogue's texts are not available (test set not found where summary.json says)."));
    else {
      for (const turn of d.turns) {
        if (row.turn_id !== null && turn.turn_id > row.turn_id) break;
        const evaluated = turn.turn_id === row.turn_id;
        convo.append(el("div", { class: "turn user", "data-turn": turn.turn_id },
          el("div", { class: "who" }, "User, turn " + turn.turn_id + " ", el("span", { class: "emotion" }, turn.emotion || "no label")),
          el("div", { class: "text", "data-field": "user_text" }, turn.text),
          audioPlayer(r, turn.audio, "user turn " + turn.turn_id)));
        const reply = d.replies[String(turn.turn_id)];
        if (reply) {
          convo.append(el("div", { class: "turn reply" + (evaluated ? " evaluated" : ""), "data-reply": turn.turn_id },
            el("div", { class: "who" }, evaluated ? "Evaluated reply" : "Reply"),
            el("div", { class: "text", "data-field": evaluated ? "reply_text" : "earlier_reply" }, reply.text || "(empty)"),
            reply.audio !== null || (evaluated && row.task === "T3") ? audioPlayer(r, reply.audio, evaluated ? "evaluated reply" : "reply " + turn.turn_id) : null));
        } else if (evaluated) {
          convo.append(el("div", { class: "turn reply evaluated" }, el("div", { class: "who" }, "Evaluated reply"), el("p", { class: "muted" }, "No reply in the submission.")));
        }
      }
    }
    panel.append(convo);
    const judged = el("section", { class: "judgments" }, el("h2", {}, "Judgments"));
    for (const index of row.records) {
      const rec = r.records[index];
      const box = el("div", { class: "judgment" + (rec.status === "ok" ? "" : " failed"), "data-judge": rec.judge },
        el("h3", {}, rec.judge + " · " + rec.status + (rec.meta && rec.meta.repeat !== undefined ? " · repeat " + rec.meta.repeat : "")));
      if (Object.keys(rec.scores).length) box.append(el("table", { class: "scores" }, el("tbody", {},
        Object.entries(rec.scores).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { class: "score s" + Math.round(v) }, String(v)))))));
      if (rec.rationale) box.append(el("h4", {}, "Reasoning"), el("div", { class: "text", "data-field": "rationale" }, rec.rationale));
      if (rec.error) box.append(el("h4", {}, "Error"), el("div", { class: "text bad", "data-field": "error" }, rec.error));
      if (rec.meta && rec.meta.raw_answer !== undefined) box.append(el("h4", {}, "Raw answer"), el("pre", { "data-field": "raw_answer" },
        typeof rec.meta.raw_answer === "string" ? rec.meta.raw_answer : JSON.stringify(rec.meta.raw_answer, null, 2)));
      if (rec.flags.length) box.append(el("h4", {}, "Flags"), el("ul", {}, rec.flags.map((f) => el("li", {}, el("code", {}, f), " " + (DATA.explain[f] || "")))));
      if (rec.status !== "ok") box.append(el("p", { class: "muted" }, DATA.explain["status:" + rec.status] || ""));
      if (Object.keys(rec.measures).length) box.append(el("h4", {}, "Measures"), kvTable(rec.measures, "measures"));
      box.append(el("details", {}, el("summary", {}, "meta (how the judgment was made) · items.jsonl line " + rec.line),
        el("pre", {}, JSON.stringify(rec.meta, null, 2))));
      judged.append(box);
    }
    panel.append(judged);
    const issues = r.validation.filter((v) => v.dialogue_id === row.dialogue_id && (v.turn_id === null || v.turn_id === undefined || v.turn_id === row.turn_id));
    panel.append(el("section", {}, el("h2", {}, "Validation issues"),
      issues.length ? issuesTable(issues) : el("p", { class: "muted" }, r.validation.length || !(r.summary.validation || {}).errors ? "None for this dialogue." : "validation.jsonl not read")));
    return panel;
  }

  /* ---------------- comparison ---------------- */
  function renderCompare(c) {
    const cmp = DATA.comparisons[c], base = DATA.runs[cmp.base], other = DATA.runs[cmp.other];
    app.append(nav("compare"), el("h1", {}, other.label + " − " + base.label));
    app.append(el("p", {}, "Paired differences (" + other.label + " minus " + base.label + ") over the items both runs scored; " +
      Math.round(cmp.confidence * 100) + "% percentile bootstrap over items (" + cmp.resamples + " resamples, seed " + cmp.seed + "). " +
      cmp.only_base + " item(s) only in " + base.label + ", " + cmp.only_other + " only in " + other.label + "."));
    if (!cmp.same_testset) app.append(el("p", { class: "warn" }, "The two runs record different test set paths: pairs are made by task, language, dialogue and turn."));
    app.append(el("table", { class: "diffs", "data-table": "diffs" },
      el("thead", {}, el("tr", {}, ["task", "dimension", "language", "n", base.label + " mean", other.label + " mean", "difference", "95% CI"].map((h) => el("th", {}, h)))),
      el("tbody", {}, cmp.rows.map((x) => el("tr", { class: x.language === "all" ? "avg" : null }, el("td", {}, x.task), el("td", {}, x.dimension), el("td", {}, x.language),
        el("td", {}, String(x.n)), el("td", {}, number(x.base_mean)), el("td", {}, number(x.other_mean)),
        el("td", {}, number(x.diff, { "data-cell": x.task + "|" + x.dimension + "|" + x.language }, signed(x.diff))),
        el("td", { class: "ci" }, Array.isArray(x.ci) ? "[" + signed(x.ci[0]) + ", " + signed(x.ci[1]) + "]" : "n/a"))))));
    app.append(el("h2", {}, "Items by disagreement"));
    const baseRows = Object.fromEntries(base.rows.map((x, i) => [x.key, i]));
    app.append(el("table", { class: "items", "data-table": "disagreement" },
      el("thead", {}, el("tr", {}, ["#", "task", "lang", "dialogue", "turn", "Σ|difference|", "differences"].map((h) => el("th", {}, h)))),
      el("tbody", {}, cmp.items.map((it, k) => {
        const row = base.rows[baseRows[it.key]];
        return el("tr", {}, el("td", { class: "muted" }, String(k + 1)), el("td", {}, row.task), el("td", {}, row.language),
          el("td", {}, el("a", { href: "#/compare/" + c + "/item/" + k }, row.dialogue_id)), el("td", {}, String(row.turn_id)),
          el("td", {}, String(it.disagreement)), el("td", { class: "mono" }, Object.entries(it.diffs).map(([d, v]) => abbreviate(d) + " " + signed(v)).join("  ")));
      }))));
  }

  function renderCompareItem(c, k) {
    const cmp = DATA.comparisons[c], base = DATA.runs[cmp.base], other = DATA.runs[cmp.other];
    const at = clamp(k, cmp.items.length), key = cmp.items[at].key;
    const links = el("p", { class: "pager" });
    if (at > 0) links.append(el("a", { href: "#/compare/" + c + "/item/" + (at - 1), "data-nav": "previous" }, "← previous"), " ");
    links.append(el("span", { class: "muted" }, "disagreement rank " + (at + 1) + " of " + cmp.items.length));
    if (at < cmp.items.length - 1) links.append(" ", el("a", { href: "#/compare/" + c + "/item/" + (at + 1), "data-nav": "next" }, "next →"));
    const side = (r) => el("div", { class: "side" }, el("h2", { class: "runname" }, r.label), itemPanel(r, r.rows.find((x) => x.key === key)));
    const differences = el("p", { "data-testid": "differences" }, other.label + " − " + base.label + ": ",
      Object.entries(cmp.items[at].diffs).map(([d, v]) => el("span", { class: "lang" }, d + " " + signed(v))));
    app.append(nav("compare"), links, differences, el("div", { class: "sidebyside" }, side(base), side(other)));
  }

  window.addEventListener("hashchange", route);
  route();
  document.body.dataset.renderedMs = String(Math.round(performance.now()));  // for the page-speed benchmark
  document.body.dataset.ready = "true";
})();
