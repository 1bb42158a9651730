/*
 * The keeper's dashboard: reads data.json (src/ops/dashboard/data.ts) every few seconds and draws it with uPlot.
 * No build step, no framework. Text from the keeper goes in through textContent only, never as HTML.
 * After each render every chart's container says what it drew: data-points (non-null values plotted) and
 * data-series; <body data-rendered> counts the renders (the e2e test reads them from the DOM).
 */
(function () {
  "use strict";

  var REFRESH_MS = 5000;
  var PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
  var OUTCOME_ORDER = ["mined", "dry-run", "pending", "skipped", "reverted", "failed"];
  /** Tick steps of a count axis: whole numbers only. */
  var COUNT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
  var charts = {};
  var renders = 0;

  function $(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    $(id).textContent = text;
  }

  function usd(x) {
    return "$" + x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function seconds(s) {
    if (s < 120) return s + " s";
    if (s < 7200) return Math.round(s / 60) + " min";
    return Math.round(s / 3600) + " h";
  }

  function widthOf(el) {
    return Math.max(240, el.clientWidth);
  }

  /** A uPlot chart in `id`, re-created when its series change, else given the new data. */
  function draw(id, key, makeOpts, data) {
    var el = $(id);
    var points = 0;
    for (var s = 1; s < data.length; s++)
      for (var i = 0; i < data[s].length; i++) if (data[s][i] !== null && data[s][i] !== undefined) points++;
    var existing = charts[id];
    if (existing && existing.key === key) existing.plot.setData(data);
    else {
      if (existing) existing.plot.destroy();
      el.textContent = "";
      var opts = makeOpts();
      opts.width = widthOf(el);
      opts.height = opts.height || 220;
      charts[id] = { key: key, plot: new uPlot(opts, data, el) };
    }
    el.dataset.points = String(points);
    el.dataset.series = String(data.length - 1);
  }

  function empty(id, message) {
    var el = $(id);
    if (charts[id]) {
      charts[id].plot.destroy();
      delete charts[id];
    }
    el.textContent = "";
    var div = document.createElement("div");
    div.className = "empty";
    div.textContent = message;
    el.appendChild(div);
    el.dataset.points = "0";
    el.dataset.series = "0";
  }

  var blockAxis = { label: "block", values: (u, splits) => splits.map((v) => String(Math.round(v))) };

  function lineOpts(series, yLabel) {
    return {
      height: 260,
      scales: { x: { time: false } },
      axes: [blockAxis, { label: yLabel, size: 64 }],
      series: [{ label: "block" }].concat(
        series.map((name, i) => ({
          label: name,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: false,
          points: { show: false },
        })),
      ),
      legend: { live: true },
    };
  }

  /** Bars over categories: x is 0..n-1, labelled; one or more series side by side. */
  function barOpts(labels, series, yLabel) {
    var n = series.length;
    return {
      height: 220,
      scales: {
        x: { time: false, range: () => [-0.5, labels.length - 0.5] },
        y: { range: (u, min, max) => [0, Math.max(1, max * 1.15)] },
      },
      axes: [
        {
          splits: () => labels.map((_, i) => i),
          values: (u, splits) => splits.map((i) => labels[i] || ""),
          grid: { show: false },
          gap: 6,
        },
        { label: yLabel, size: 50, incrs: COUNT_INCRS },
      ],
      series: [{ label: "bucket" }].concat(
        series.map((name, i) => ({
          label: name,
          stroke: PALETTE[i % PALETTE.length],
          fill: PALETTE[i % PALETTE.length] + "cc",
          width: 1,
          points: { show: false },
          paths: uPlot.paths.bars({ size: [n > 1 ? 0.8 / n : 0.6, 80], align: n > 1 ? (i === 0 ? -1 : 1) : 0 }),
        })),
      ),
      legend: { show: n > 1, live: false },
      cursor: { show: false },
    };
  }

  function renderHeader(d) {
    var mode = $("mode");
    var dry = d.safety ? d.safety.dryRun : true;
    mode.textContent = dry ? "dry run" : "live";
    mode.className = "badge " + (dry ? "dry" : "live");
    setText("head-block", d.head ? d.head.block.toLocaleString("en-US") : "waiting");
    setText("head-age", d.head ? seconds(d.head.ageSeconds) : "–");
    setText("head-read", d.head ? d.head.readMs + " ms" : "–");
    setText("window", d.blocks.length + " / " + d.windowBlocks + " blocks");
    setText("updated", new Date(d.generatedAtMs).toLocaleTimeString("en-GB"));
  }

  function meter(textId, barId, used, limit, fmt) {
    setText(textId, fmt(used) + " of " + fmt(limit) + " (" + fmt(Math.max(0, limit - used)) + " left)");
    var pct = limit > 0 ? Math.min(100, (used / limit) * 100) : 0;
    var bar = $(barId);
    bar.style.width = pct.toFixed(1) + "%";
    bar.className = pct >= 80 ? "high" : "";
  }

  function state(id, text, cls) {
    var el = $(id);
    el.textContent = text;
    el.className = cls;
  }

  function renderCards(d) {
    var s = d.safety;
    if (s) {
      var k = s.killSwitch;
      state(
        "kill",
        k.engaged ? "ENGAGED (" + (k.source || "?") + ")" + (k.reason ? ": " + k.reason : "") : "released",
        k.engaged ? "state-bad" : "state-ok",
      );
      var b = s.breaker;
      state(
        "breaker",
        b.state + (b.consecutiveFailures ? ", " + b.consecutiveFailures + " failure(s) in a row" : ""),
        b.state === "closed" ? "state-ok" : b.state === "open" ? "state-bad" : "state-warn",
      );
      meter("cap-gas-text", "cap-gas-bar", s.caps.gasEth.used, s.caps.gasEth.limit, (x) => +x.toFixed(4) + " ETH");
      meter("cap-sends-text", "cap-sends-bar", s.caps.sends.used, s.caps.sends.limit, (x) => String(x));
    } else {
      state("kill", "no safety gate (dry run)", "");
      state("breaker", "–", "");
    }
    var t = d.totals;
    setText("total-blocks", t.blocks.toLocaleString("en-US"));
    var sent = OUTCOME_ORDER.filter((o) => t.sends[o]).map((o) => t.sends[o] + " " + o);
    setText("total-sends", sent.length ? sent.join(", ") : "none yet");
    setText("total-profit", usd(t.profitUsd));
    setText("total-gas", usd(t.gasUsd) + " (" + +t.gasEth.toFixed(6) + " ETH)");

    var positions = $("positions");
    positions.textContent = "";
    Object.keys(d.positionsWatched).forEach((p) => {
      var dt = document.createElement("dt");
      dt.textContent = p;
      var dd = document.createElement("dd");
      var n = d.positionsWatched[p];
      dd.textContent = n + (p.indexOf("uniswap") === 0 ? " pool" : " position") + (n === 1 ? "" : "s");
      positions.append(dt, dd);
    });
    var list = $("discovery");
    list.textContent = "";
    if (!d.discovery.length) {
      var li = document.createElement("li");
      li.textContent = "discovery: in step with the head (no long sync this run)";
      list.appendChild(li);
    }
    d.discovery.forEach((x) => {
      var item = document.createElement("li");
      item.textContent =
        x.index +
        ": " +
        (x.done
          ? "synced " + x.totalBlocks.toLocaleString("en-US") + " blocks in " + x.seconds + " s, " + x.logs + " logs"
          : x.percent +
            "% of " +
            x.totalBlocks.toLocaleString("en-US") +
            " blocks" +
            (x.etaSeconds !== null ? ", about " + seconds(x.etaSeconds) + " left" : ""));
      list.appendChild(item);
    });
  }

  function renderCharts(d) {
    if (d.skews.length && d.blocks.length)
      draw(
        "chart-skew",
        "skew:" + d.skews.map((s) => s.pool).join("|"),
        () =>
          lineOpts(
            d.skews.map((s) => s.pool),
            "bps",
          ),
        [d.blocks].concat(d.skews.map((s) => s.bps)),
      );
    else empty("chart-skew", "no pool watched yet");

    if (d.orderFlow.length && d.blocks.length)
      draw(
        "chart-flow",
        "flow:" + d.orderFlow.map((f) => f.pool).join("|"),
        () =>
          lineOpts(
            d.orderFlow.map((f) => f.pool),
            "USD",
          ),
        [d.blocks].concat(d.orderFlow.map((f) => f.usd)),
      );
    else empty("chart-flow", "no swap seen yet");

    var hf = d.healthFactors.protocols;
    if (hf.length)
      draw(
        "chart-hf",
        "hf:" + hf.map((p) => p.protocol).join("|"),
        () =>
          barOpts(
            d.healthFactors.buckets,
            hf.map((p) => p.protocol),
            "positions",
          ),
        [d.healthFactors.buckets.map((_, i) => i)].concat(hf.map((p) => p.counts)),
      );
    else empty("chart-hf", "no lending protocol watched yet");

    if (d.blocks.length)
      draw(
        "chart-pnl",
        "pnl",
        () => {
          // Gas on its own axis (right): next to profit it would be a flat line at zero.
          var o = lineOpts(["profit", "gas"], "profit, USD");
          o.series[1].stroke = "#16a34a";
          o.series[1].fill = "#16a34a22";
          o.series[2].stroke = "#dc2626";
          o.series[2].scale = "gas";
          o.scales.gas = { auto: true };
          o.axes.push({ scale: "gas", side: 1, label: "gas, USD", size: 64, grid: { show: false } });
          return o;
        },
        [d.blocks, d.cumulativeProfitUsd, d.cumulativeGasUsd],
      );
    else empty("chart-pnl", "no block yet");

    var outcomes = OUTCOME_ORDER.filter((o) => o in d.sends);
    draw("chart-sends", "sends", () => barOpts(outcomes, ["sends"], "sends"), [
      outcomes.map((_, i) => i),
      outcomes.map((o) => d.sends[o]),
    ]);

    // Only the reasons seen in the window: twelve mostly empty bars would leave no room for the labels.
    var codes = Object.keys(d.skips)
      .filter((c) => d.skips[c] > 0)
      .sort((a, b) => d.skips[b] - d.skips[a]);
    if (codes.length)
      draw("chart-skips", "skips:" + codes.join("|"), () => barOpts(codes, ["skips"], "skips"), [
        codes.map((_, i) => i),
        codes.map((c) => d.skips[c]),
      ]);
    else empty("chart-skips", "no skip in the window");
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function renderSends(d) {
    var body = $("sends").tBodies[0];
    body.textContent = "";
    if (!d.recentSends.length) {
      var r = body.insertRow();
      var td = cell(r, "no send yet", "reason");
      td.colSpan = 7;
      return;
    }
    d.recentSends.forEach((s) => {
      var row = body.insertRow();
      cell(row, s.block.toLocaleString("en-US"));
      cell(row, s.protocol);
      cell(row, s.kind + " " + s.opportunity + (s.items > 1 ? " ×" + s.items : ""));
      var pill = document.createElement("span");
      pill.className = "pill " + s.outcome;
      pill.textContent = s.outcome;
      cell(row, "").appendChild(pill);
      cell(row, s.profitUsd === null ? "–" : usd(s.profitUsd), "num");
      cell(row, s.gasUsed === null ? "–" : s.gasUsed.toLocaleString("en-US"), "num");
      if (s.reason) cell(row, s.reason, "reason");
      else cell(row, s.txHash ? s.txHash.slice(0, 10) + "…" + s.txHash.slice(-8) : "–", "hash");
    });
  }

  function render(d) {
    renderHeader(d);
    renderCards(d);
    renderCharts(d);
    renderSends(d);
    $("error").hidden = true;
    document.body.dataset.rendered = String(++renders);
    // Time from navigation to the first complete render: the page's load time as a visitor sees it.
    if (renders === 1) document.body.dataset.loadMs = String(Math.round(performance.now()));
    document.body.dataset.head = d.head ? String(d.head.block) : "";
  }

  function refresh() {
    return fetch("data.json", { cache: "no-store" })
      .then((res) => {
        if (!res.ok) throw new Error("data.json answered " + res.status);
        return res.json();
      })
      .then(render)
      .catch((err) => {
        var e = $("error");
        e.hidden = false;
        e.textContent = "Cannot load data: " + err.message;
      });
  }

  window.addEventListener("resize", () => {
    Object.keys(charts).forEach((id) => {
      var c = charts[id];
      c.plot.setSize({ width: widthOf($(id)), height: c.plot.height });
    });
  });

  refresh().then(() => setInterval(refresh, REFRESH_MS));
})();
