// The dashboard: one page, plain ES module, hash routes (#/network, #/gantt...). Data comes from the
// JSON API under /api/v1 and maps/Gantt charts as SVG drawn by the server from shipped data; nothing is
// loaded from another origin.

const API = "/api/v1";
const view = document.getElementById("view");
let me = null;

// --- helpers -------------------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

async function api(path, options = {}) {
  const response = await fetch(API + path, {
    credentials: "same-origin",
    headers: options.body ? { "Content-Type": "application/json" } : {},
    ...options,
  });
  if (response.status === 401) {
    window.location.assign("/ui/login.html");
    throw new Error("not logged in");
  }
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : response.statusText;
    throw new Error(`${response.status}: ${detail}`);
  }
  return body;
}

function fmt(value, digits = 1) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-GB") : value.toFixed(digits);
  return String(value);
}

function pounds(pence) {
  return pence === null || pence === undefined ? "–" : "£" + (pence / 100).toLocaleString("en-GB", { maximumFractionDigits: 0 });
}

function london(iso) {
  return iso ? new Date(iso).toLocaleString("en-GB", { timeZone: "Europe/London", dateStyle: "short", timeStyle: "short" }) : "–";
}

function table(id, headers, rows) {
  return h(
    "table",
    { id },
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => (cell instanceof Node ? h("td", {}, cell) : h("td", { class: typeof cell === "number" ? "num" : null }, fmt(cell)))))))
  );
}

function svgBox(id, svgText) {
  const box = h("div", { id, class: "svg-box" });
  box.innerHTML = svgText; // drawn by our own server from escaped data
  return box;
}

function select(id, options, selected, onchange) {
  return h("select", { id, onchange }, options.map(([value, label]) => h("option", { value, selected: value === selected }, label)));
}

const canQa = () => me && (me.role === "admin" || me.role === "qa_inspector");
const canPlan = () => me && (me.role === "admin" || me.role === "planner");

// --- pages ---------------------------------------------------------------------------------------------

async function networkPage() {
  const scenarios = await api("/network/scenarios");
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const chosen = params.get("scenario") || (scenarios[0] ? `${scenarios[0].brand}/${scenarios[0].name}` : "");
  const [brand, name] = chosen.split("/");
  const query = chosen ? `?brand=${encodeURIComponent(brand)}&scenario=${encodeURIComponent(name)}` : "";
  const svg = await api("/network/map.svg" + query);
  const record = scenarios.find((s) => s.brand === brand && s.name === name);
  const picker = select("scenario-select", scenarios.map((s) => [`${s.brand}/${s.name}`, `${s.brand} / ${s.name}`]), chosen, (e) => {
    location.hash = `#/network?scenario=${encodeURIComponent(e.target.value)}`;
  });
  const sites = record
    ? table("network-sites", ["site", "kind", "zones", "units/week at risk", "lost if down", "utilisation", "fixed £/week"],
        record.sites.map((s) => [s.site, s.kind, s.zones_served, s.at_risk_units_per_week, s.lost_if_down_units_per_week, `${Math.round(100 * s.utilisation)} %`, pounds(s.fixed_cost_pence)]))
    : h("p", { class: "muted" }, "No stored scenario yet: run one from Scenarios.");
  return [
    h("h2", {}, "Network"),
    h("div", { class: "controls" }, "Scenario ", picker, h("span", { class: "muted" }, "Squares: sites; circles: zones served; solid lines: primary, dashed: backup; orders per km² by zone: the Heat-zones page.")),
    h("div", { class: "row" }, svgBox("network-map", svg), h("div", {}, sites, record ? kpiTable(record.kpis) : null)),
  ];
}

function kpiTable(kpis) {
  return table("kpis", ["KPI", "value"], Object.entries(kpis).map(([k, v]) => [k, v]));
}

async function heatZonesPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const brand = params.get("brand") || "";
  const weeks = Number(params.get("weeks") || 13);
  const query = `?weeks=${weeks}` + (brand ? `&brand=${encodeURIComponent(brand)}` : "");
  const brands = await api("/brands");
  const data = await api(`/heat-zones${query}&top=15`);
  const svg = await api(`/heat-zones/map.svg${query}`);
  const picker = select("heat-brand", [["", "all brands"], ...brands.map((b) => [b.code, b.code])], brand, (e) => {
    location.hash = `#/heat-zones?brand=${encodeURIComponent(e.target.value)}&weeks=${weeks}`;
  });
  const pct = (v) => (v === null || v === undefined ? "–" : `${v > 0 ? "+" : ""}${v.toFixed(0)} %`);
  return [
    h("h2", {}, "Demand heat-zones"),
    h("div", { class: "controls" }, "Brand ", picker, h("span", { class: "muted" }, `last ${weeks} weeks; colour: orders per km² per week`)),
    h("div", { class: "row" }, svgBox("heat-map", svg),
      h("div", {}, table("heat-top", ["#", "zone", "orders/week", "km²", "density", "13-week growth", "repeat"],
        data.top.map((z) => [z.rank, z.zone, z.orders_per_week, z.area_km2, z.density_orders_per_km2_week.toPrecision(3), pct(z.growth_13w_pct), z.repeat_share === null ? "–" : `${Math.round(100 * z.repeat_share)} %`])),
        kpiTable(data.kpis))),
  ];
}

async function ganttPage() {
  const schedules = (await api("/schedules?limit=200")).items;
  if (!schedules.length) return [h("h2", {}, "Production"), h("p", { class: "muted" }, "No schedule stored yet.")];
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const id = Number(params.get("run") || schedules[0].id);
  const detail = await api(`/schedules/${id}`);
  const svg = await api(`/schedules/${id}/gantt.svg`);
  const picker = select("schedule-select", schedules.map((s) => [String(s.id), `${s.scope} — week of ${london(s.horizon_start)}`]), String(id), (e) => {
    location.hash = `#/gantt?run=${e.target.value}`;
  });
  const box = svgBox("gantt", svg);
  const chart = box.querySelector("svg");
  const full = chart ? chart.getAttribute("viewBox").split(" ").map(Number) : [0, 0, 1, 1];
  let zoom = 1;
  let left = 0;
  // Zoom around the middle of the scheduled work (the bars), not the start of the week.
  const bars = chart ? [...chart.querySelectorAll("rect")].map((r) => [Number(r.getAttribute("x")), Number(r.getAttribute("width"))])
    .filter(([x, w]) => Number.isFinite(x) && Number.isFinite(w) && w > 0 && w < full[2] * 0.9) : [];
  let focus = bars.length ? (Math.min(...bars.map(([x]) => x)) + Math.max(...bars.map(([x, w]) => x + w))) / 2 : full[0] + full[2] / 2;
  const apply = () => {
    if (!chart) return;
    const width = full[2] / zoom;
    left = Math.max(0, Math.min(focus - width / 2, full[2] - width));
    focus = left + width / 2;
    // A narrower viewBox in a taller viewport: uniform zoom ×zoom, panned along the time axis.
    chart.setAttribute("viewBox", `${left} ${full[1]} ${width} ${full[3]}`);
    chart.setAttribute("height", String(full[3] * zoom));
    chart.setAttribute("preserveAspectRatio", "xMinYMin meet");
    document.getElementById("zoom-level").textContent = `×${zoom}`;
  };
  const controls = h("div", { class: "controls" }, "Site week ", picker,
    h("button", { id: "zoom-in", type: "button", onclick: () => { zoom = Math.min(zoom * 2, 32); apply(); } }, "Zoom in"),
    h("button", { id: "zoom-out", type: "button", onclick: () => { zoom = Math.max(zoom / 2, 1); apply(); } }, "Zoom out"),
    h("button", { type: "button", onclick: () => { focus -= full[2] / zoom / 2; apply(); } }, "◀"),
    h("button", { type: "button", onclick: () => { focus += full[2] / zoom / 2; apply(); } }, "▶"),
    h("span", { id: "zoom-level" }, "×1"));
  const late = new Set(detail.late_runs);
  const runs = table("runs", ["run", "SKU", "qty", "start", "end", "late"], detail.production_runs.map((r) => [r.run_code, r.sku, r.quantity, london(r.start), london(r.end), late.has(r.run_code) ? h("span", { class: "late" }, "late") : ""]));
  const changeovers = detail.operations.filter((o) => o.changeover_minutes > 0).length;
  return [
    h("h2", {}, `Production — ${detail.run.scope}`),
    controls,
    h("p", {}, `${detail.production_runs.length} runs, ${changeovers} changeovers, `, h("span", { id: "late-count", class: late.size ? "late" : "" }, `${late.size} late`), ". Blue: operations; amber: changeovers; red: late runs."),
    box,
    runs,
  ];
}

async function routesPage() {
  const days = await api("/routes");
  if (!days.length) return [h("h2", {}, "Delivery routes"), h("p", { class: "muted" }, "No routes stored yet.")];
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const key = params.get("day") || `${days[0].plan_run_id}:${days[0].day}`;
  const [run, day] = key.split(":");
  const plan = await api(`/routes/${run}?day=${day}`);
  const svg = await api(`/routes/${run}/map.svg?day=${day}`);
  const picker = select("route-day", days.map((d) => [`${d.plan_run_id}:${d.day}`, `${d.site} ${d.day} (${d.routes} routes, ${fmt(d.distance_km)} km)`]), key, (e) => {
    location.hash = `#/routes?day=${encodeURIComponent(e.target.value)}`;
  });
  const stops = {};
  for (const s of plan.stops) stops[s.route_code] = (stops[s.route_code] || 0) + 1;
  return [
    h("h2", {}, "Delivery routes"),
    h("div", { class: "controls" }, "Site and day ", picker),
    h("div", { class: "row" }, svgBox("routes-map", svg),
      table("routes-table", ["route", "vehicle", "stops", "km", "start", "end", "cost"], plan.routes.map((r) => [r.route_code, r.vehicle_type, stops[r.route_code] || 0, r.distance_km, london(r.start), london(r.end), pounds(r.cost_pence)]))),
  ];
}

async function qaPage() {
  const holds = (await api("/qa/holds?limit=200")).items;
  const message = h("p", { id: "qa-message", role: "status" });
  const dialog = deviationDialog(message);
  const rows = holds.map((lot) => [
    lot.code, lot.site, lot.sku, lot.quantity, london(lot.produced_at),
    h("span", {},
      h("button", { type: "button", class: "release", "data-lot": lot.code, disabled: !canQa(), onclick: () => release(lot.code, message) }, "Release"),
      " ",
      h("button", { type: "button", class: "deviation", "data-lot": lot.code, disabled: !canQa(), onclick: () => dialog.open(lot.code) }, "Deviation…")),
  ]);
  return [
    h("h2", {}, "QA holds"),
    holds.length ? table("holds", ["lot", "site", "SKU", "qty", "produced", "action"], rows) : h("p", { id: "no-holds", class: "muted" }, "No lot on hold."),
    canQa() ? null : h("p", { class: "muted" }, "Only QA inspectors and admins may release lots or record deviations."),
    message,
    dialog.element,
  ];
}

async function release(code, message) {
  try {
    const result = await api(`/lots/${code}/release`, { method: "POST" });
    message.className = "";
    message.textContent = `${code}: ${result.message}`;
    setTimeout(render, 600);
  } catch (error) {
    message.className = "error";
    message.textContent = `${code}: ${error.message}`;
  }
}

function deviationDialog(message) {
  const fields = {
    checks: h("input", { id: "dev-checks", placeholder: "core_temp, weight" }),
    description: h("textarea", { id: "dev-description", rows: 2 }),
    corrective_action: h("textarea", { id: "dev-action", rows: 2 }),
    approved_by: h("input", { id: "dev-approver" }),
  };
  let lot = null;
  const element = h("dialog", { id: "deviation-dialog" },
    h("form", { method: "dialog", class: "stack", onsubmit: async (e) => {
      e.preventDefault();
      const body = {
        checks: fields.checks.value.split(",").map((x) => x.trim()).filter(Boolean),
        description: fields.description.value,
        corrective_action: fields.corrective_action.value,
        approved_by: fields.approved_by.value,
      };
      try {
        const result = await api(`/lots/${lot}/deviations`, { method: "POST", body: JSON.stringify(body) });
        message.className = "";
        message.textContent = `${lot}: ${result.message}`;
        element.close();
      } catch (error) {
        message.className = "error";
        message.textContent = `${lot}: ${error.message}`;
      }
    } },
      h("h3", { id: "deviation-title" }, "Deviation"),
      h("label", {}, "Checks covered (comma-separated) ", fields.checks),
      h("label", {}, "What went wrong ", fields.description),
      h("label", {}, "Corrective action ", fields.corrective_action),
      h("label", {}, "Approved by ", fields.approved_by),
      h("button", { type: "submit", id: "dev-submit" }, "Record deviation"), " ",
      h("button", { type: "button", onclick: () => element.close() }, "Cancel")));
  return {
    element,
    async open(code) {
      lot = code;
      const detail = await api(`/lots/${code}`);
      element.querySelector("#deviation-title").textContent = `Deviation on ${code}: ${detail.decision.explanation}`;
      fields.checks.value = [...detail.decision.failed, ...detail.decision.missing, ...detail.decision.needs_deviation].join(", ");
      element.showModal();
    },
  };
}

async function emissionsPage() {
  const sites = await api("/emissions/sites");
  const weeks = await api("/emissions/weeks");
  const biggest = Math.max(1, ...sites.map((s) => s.kg_co2e));
  const bar = 22;
  const chart = `<svg xmlns="http://www.w3.org/2000/svg" width="560" height="${sites.length * bar + 10}" role="img" aria-label="kg CO2e per site">` +
    sites.map((s, i) => `<text x="0" y="${i * bar + 15}" font-size="11">${escapeXml(s.site || "")}</text><rect x="110" y="${i * bar + 4}" width="${(400 * s.kg_co2e) / biggest}" height="${bar - 8}" fill="#2e7d32"><title>${escapeXml(`${s.site}: ${s.kg_co2e.toFixed(1)} kg CO2e`)}</title></rect><text x="${115 + (400 * s.kg_co2e) / biggest}" y="${i * bar + 15}" font-size="11">${s.kg_co2e.toFixed(1)} kg</text>`).join("") +
    "</svg>";
  return [
    h("h2", {}, "Delivery emissions (well-to-wheel, kg CO2e)"),
    sites.length ? svgBox("emissions-chart", chart) : h("p", { class: "muted" }, "No emissions stored yet."),
    table("emissions-sites", ["site", "routes", "km", "tonne-km", "kg CO2e", "g/tkm", "factor sets"], sites.map((s) => [s.site, s.routes, s.distance_km, s.tonne_km, s.kg_co2e, s.g_co2e_per_tonne_km, s.factor_sets.join(" ")])),
    table("emissions-weeks", ["week", "routes", "km", "kg CO2e"], weeks.map((w) => [w.week_start, w.routes, w.distance_km, w.kg_co2e])),
  ];
}

function escapeXml(text) {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function scenariosPage() {
  const rows = await api("/network/compare");
  const brands = [...new Set(rows.map((r) => r.brand))];
  const keys = ["status", "open_sites", "objective_pence", "weekly_cost_pence", "service_pct", "mean_delivery_hours", "kg_co2e_per_week"];
  const present = keys.filter((k) => rows.some((r) => k in r));
  const brandInput = h("input", { id: "run-brand", value: brands[0] || "", size: 10 });
  const scenarioInput = select("run-scenario-name", [["local", "local"], ["centralised", "centralised"], ["n-1", "n-1 (backup)"]], "local");
  const seconds = h("input", { id: "run-seconds", type: "number", value: 5, min: 1, max: 600, size: 4 });
  const status = h("div", { id: "job-status" });
  const run = h("button", { id: "run-scenario", type: "button", disabled: !canPlan(), onclick: async () => {
    run.disabled = true;
    try {
      const job = await api("/network/scenarios", { method: "POST", body: JSON.stringify({ brand: brandInput.value, scenario: scenarioInput.value, seconds: Number(seconds.value) }) });
      await followJob(job.id, status);
    } catch (error) {
      status.textContent = error.message;
      status.className = "error";
    } finally {
      run.disabled = !canPlan();
    }
  } }, "Run scenario");
  return [
    h("h2", {}, "Scenario comparison"),
    table("compare", ["brand", "scenario", ...present], rows.map((r) => [r.brand, h("a", { href: `#/network?scenario=${encodeURIComponent(r.brand + "/" + r.scenario)}` }, r.scenario), ...present.map((k) => (k.endsWith("_pence") ? pounds(r[k]) : r[k]))])),
    h("div", { class: "controls card" }, "Brand ", brandInput, " scenario ", scenarioInput, " solver seconds ", seconds, run),
    status,
  ];
}

async function followJob(id, status) {
  const bar = h("progress", { id: "job-progress", max: 1, value: 0 });
  const text = h("span", { id: "job-text" }, "queued");
  status.className = "";
  status.replaceChildren(h("a", { href: `#/jobs?id=${id}` }, `Job ${id}`), " ", bar, " ", text);
  for (;;) {
    const job = await api(`/jobs/${id}`);
    bar.value = job.progress;
    text.textContent = `${job.status}: ${job.message}` + (job.error ? ` — ${job.error}` : "");
    status.dataset.status = job.status;
    if (["succeeded", "failed", "cancelled"].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function jobsPage() {
  const jobs = (await api("/jobs?limit=50")).items;
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const id = params.get("id");
  const detail = id ? await api(`/jobs/${id}`) : null;
  if (detail && ["queued", "running"].includes(detail.status)) {
    const shown = location.hash;
    setTimeout(() => { if (location.hash === shown) render(); }, 1000); // follow progress live
  }
  return [
    h("h2", {}, "Jobs"),
    detail ? h("div", { class: "card", id: "job-detail" },
      h("p", {}, `Job ${detail.id} (${detail.kind}) by ${detail.created_by}: `, h("strong", {}, detail.status), ` — ${detail.message}`),
      h("progress", { max: 1, value: detail.progress }),
      detail.error ? h("p", { class: "error" }, detail.error) : null,
      detail.result ? h("pre", {}, JSON.stringify(detail.result, null, 2)) : null,
      ["queued", "running"].includes(detail.status) && canPlan() ? h("button", { type: "button", onclick: async () => { await api(`/jobs/${detail.id}`, { method: "DELETE" }); render(); } }, "Cancel") : null) : null,
    table("jobs", ["id", "kind", "status", "progress", "by", "created", "message"], jobs.map((j) => [h("a", { href: `#/jobs?id=${j.id}` }, String(j.id)), j.kind, j.status, `${Math.round(100 * j.progress)} %`, j.created_by, london(j.created_at), j.message])),
  ];
}

async function forecastsPage() {
  const runs = await api("/forecasts");
  if (!runs.length) {
    return [h("h2", {}, "Forecasts"), h("p", { id: "no-forecasts", class: "muted" }, "No forecast stored yet: run `microfactory forecast run` or the forecast stage of the pipeline.")];
  }
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const brand = params.get("brand") || runs[0].brand;
  const points = (await api(`/forecasts/${encodeURIComponent(brand)}?level=total&limit=1000`)).items;
  const picker = select("forecast-brand", runs.map((r) => [r.brand, r.brand]), brand, (e) => {
    location.hash = `#/forecasts?brand=${encodeURIComponent(e.target.value)}`;
  });
  return [
    h("h2", {}, "Forecasts"),
    table("forecast-runs", ["brand", "run", "version", "reconciliation", "horizon (weeks)", "history", "created"], runs.map((r) => [r.brand, r.plan_run_id, r.version, r.reconciliation, r.horizon_weeks, `${r.history_start} – ${r.history_end}`, london(r.created_at)])),
    h("div", { class: "controls" }, "Brand ", picker, h("span", { class: "muted" }, "GB total, units per week: mean, and the band up to the 95th percentile")),
    svgBox("forecast-chart", fanChart(points)),
    table("forecast-points", ["week", "model", "mean", "q80", "q90", "q95"], points.map((p) => [p.week, p.model, p.mean, p.quantiles.q80, p.quantiles.q90, p.quantiles.q95])),
  ];
}

function fanChart(points) {
  const width = 640, height = 220, left = 50, bottom = 24;
  if (!points.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="40"></svg>`;
  const top = Math.max(1, ...points.map((p) => p.quantiles.q95 ?? p.quantiles.q90 ?? p.mean ?? 0));
  const x = (i) => left + (i * (width - left - 10)) / Math.max(points.length - 1, 1);
  const y = (v) => height - bottom - ((v ?? 0) * (height - bottom - 10)) / top;
  const upper = points.map((p, i) => `${x(i).toFixed(1)},${y(p.quantiles.q95 ?? p.quantiles.q90 ?? p.mean).toFixed(1)}`);
  const lower = points.map((p, i) => `${x(i).toFixed(1)},${y(p.quantiles.q50 ?? p.mean).toFixed(1)}`).reverse();
  const mean = points.map((p, i) => `${x(i).toFixed(1)},${y(p.mean).toFixed(1)}`).join(" ");
  const labels = points.map((p, i) => `<text x="${x(i).toFixed(1)}" y="${height - 6}" font-size="9" text-anchor="middle">${escapeXml(p.week.slice(5))}</text>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="forecast fan chart">` +
    `<polygon points="${[...upper, ...lower].join(" ")}" fill="#9ecae1" opacity="0.6"/>` +
    `<polyline points="${mean}" fill="none" stroke="#08519c" stroke-width="2"/>` +
    `<text x="4" y="14" font-size="10">${Math.round(top)}</text><text x="4" y="${height - bottom}" font-size="10">0</text>${labels}</svg>`;
}

// --- stock ---------------------------------------------------------------------------------------------

const pct = (v, digits = 1) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(digits)} %`);

function policyBars(rows) {
  // Per hub, per policy: fill rate (0–100 %, blue) and waste (% of units received, amber), side by side.
  const line = 18, groupGap = 10, left = 190, scale = 3; // 100 % = 300 px
  const entries = rows.flatMap((r) => r.policies.map((p) => ({ hub: r.hub, ...p })));
  const height = entries.length * line * 2 + rows.length * groupGap + 30;
  let y = 24;
  let last = null;
  const parts = [];
  parts.push(`<text x="${left}" y="12" font-size="11">fill rate (blue) and waste (amber), replay of the last weeks</text>`);
  for (const e of entries) {
    if (last !== null && last !== e.hub) y += groupGap;
    last = e.hub;
    const fill = 100 * (e.fill_rate ?? 0);
    const waste = e.waste_pct ?? 0;
    const label = escapeXml(`${e.hub} · ${e.policy}`);
    parts.push(`<text x="0" y="${y + 12}" font-size="11">${label}</text>`);
    parts.push(`<rect class="fill-bar" x="${left}" y="${y + 2}" width="${(fill * scale).toFixed(1)}" height="${line - 5}" fill="#1f4e79"><title>${label}: fill rate ${fill.toFixed(1)} %</title></rect>`);
    parts.push(`<text x="${left + fill * scale + 4}" y="${y + 12}" font-size="10">${fill.toFixed(1)} %</text>`);
    y += line;
    parts.push(`<rect class="waste-bar" x="${left}" y="${y + 2}" width="${Math.max(waste * scale, 1).toFixed(1)}" height="${line - 5}" fill="#e69f00"><title>${label}: waste ${waste.toFixed(1)} %</title></rect>`);
    parts.push(`<text x="${left + Math.max(waste * scale, 1) + 4}" y="${y + 12}" font-size="10">waste ${waste.toFixed(1)} %</text>`);
    y += line;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + 100 * scale + 80}" height="${height}" role="img" aria-label="fill rate and waste per hub and policy">${parts.join("")}</svg>`;
}

async function stockPage() {
  const hubs = await api("/stock/hubs");
  if (!hubs.length) {
    return [h("h2", {}, "Hub stock and waste"), h("p", { id: "no-stock", class: "muted" }, "No hub stock or inventory plan stored yet: run the inventory stage.")];
  }
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const hub = params.get("hub") || hubs[0].hub;
  const q = `hub=${encodeURIComponent(hub)}`;
  const [kpis, onHand, policies, transfers, moves] = await Promise.all([
    api("/stock/kpis"),
    api(`/stock/on-hand?${q}&limit=200`),
    api(`/stock/policies?${q}&limit=200`),
    api(`/stock/transfers?${q}&limit=200`),
    api(`/stock/moves?${q}&limit=50`),
  ]);
  const picker = select("stock-hub", hubs.map((x) => [x.hub, x.hub]), hub, (e) => {
    location.hash = `#/stock?hub=${encodeURIComponent(e.target.value)}`;
  });
  const kpiRows = kpis.flatMap((r) => r.policies.map((p) => [r.hub, p.policy, pct(p.fill_rate), p.waste_pct === null ? "–" : `${p.waste_pct.toFixed(1)} %`, p.waste_units, pounds(p.avg_stock_value_pence), p.stockout_sku_days, pounds(r.stock_value_pence)]));
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  return [
    h("h2", {}, "Hub stock and waste"),
    table("stock-hubs", ["hub", "source site", "SKUs on hand", "lots", "units", "value at cost", "transfers planned", "planned"],
      hubs.map((x) => [h("a", { href: `#/stock?hub=${encodeURIComponent(x.hub)}` }, x.hub), x.source_site || "–", x.skus, x.lots_on_hand, x.units_on_hand, pounds(x.stock_value_pence), x.transfers, london(x.planned_at)])),
    h("h3", {}, "Fill rate and waste per policy"),
    h("p", { class: "muted" }, "From each hub's newest inventory plan: a replay of the last weeks under the chosen policies (auto) and the textbook normal baseline (normal). Fill rate = units sold ÷ units demanded; waste = units written off ÷ units received."),
    kpis.length ? svgBox("stock-kpi-chart", policyBars(kpis)) : h("p", { class: "muted" }, "No inventory plan stored yet."),
    table("stock-kpis", ["hub", "policy", "fill rate", "waste", "waste units", "avg stock value", "stock-out SKU-days", "stock value now"], kpiRows),
    h("div", { class: "controls" }, "Hub ", picker),
    h("h3", {}, `On hand at ${hub} (first to expire first)`),
    table("stock-on-hand", ["SKU", "lot", "units", "received", "expires", "value"], onHand.items.map((l) => [l.sku, l.lot_code, l.quantity, london(l.received_at), london(l.expires_at), pounds(l.value_pence)])),
    h("h3", {}, "Policies"),
    table("stock-policies", ["SKU", "review day", "policy", "demand", "reorder point", "order up to", "lead days", "target", "expected fill"], policies.items.map((p) => [p.sku, weekday[p.weekday] || p.weekday, p.kind, p.demand_class, p.reorder_point, p.order_up_to, p.lead_days, pct(p.target, 0), pct(p.expected_fill_rate)])),
    h("h3", {}, "Transfers planned"),
    transfers.items.length
      ? table("stock-transfers", ["code", "from", "SKU", "units", "dispatch", "arrive", "km", "kg CO2e"], transfers.items.map((t) => [t.code, t.from_site, t.sku, t.quantity, london(t.dispatch_at), london(t.arrive_at), t.distance_km, t.kg_co2e]))
      : h("p", { class: "muted" }, "No transfer planned for this hub this week."),
    h("h3", {}, "Latest moves"),
    table("stock-moves", ["at", "SKU", "lot", "kind", "units", "balance after", "reference"], moves.items.map((m) => [london(m.at), m.sku, m.lot_code, m.kind, m.quantity, m.balance_after, m.reference || ""])),
  ];
}

// --- second life ---------------------------------------------------------------------------------------

const canGrade = () => me && ["admin", "planner", "qa_inspector", "site_operator"].includes(me.role);
const canDispose = () => me && ["admin", "planner", "site_operator"].includes(me.role);

function kpiValue(k) {
  if (k.value === null || k.value === undefined) return "–";
  if (k.unit === "ratio") return pct(k.value);
  if (k.unit === "pence") return pounds(k.value);
  return `${fmt(k.value)} ${k.unit}`;
}

async function secondLifePage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const site = params.get("site") || "";
  const status = params.get("status") || "";
  const chosen = params.get("item");
  const sites = await api("/sites?limit=1000&kind=microfactory").catch(() => ({ items: [] }));
  const siteQuery = site ? `site=${encodeURIComponent(site)}` : "";
  const [kpis, items] = await Promise.all([
    api(`/second-life/kpis?${siteQuery}`),
    api(`/second-life/items?limit=100&${siteQuery}${status ? `&status=${status}` : ""}`),
  ]);
  const go = (changes) => {
    const next = new URLSearchParams({ site, status, ...changes });
    for (const [k, v] of [...next.entries()]) if (!v) next.delete(k);
    location.hash = `#/second-life?${next}`;
  };
  const siteList = (sites.items || sites).map((s) => s.code).filter(Boolean);
  const sitePicker = select("sl-site", [["", "all sites"], ...siteList.map((c) => [c, c])], site, (e) => go({ site: e.target.value, item: "" }));
  const statusPicker = select("sl-status", [["", "any status"], ["intake", "intake"], ["graded", "graded"], ["refurbished", "refurbished"], ["disposed", "disposed"]], status, (e) => go({ status: e.target.value }));
  const source = kpis.co2e_source;
  const nodes = [
    h("h2", {}, "Second life"),
    h("div", { class: "controls" }, "Site ", sitePicker, " status ", statusPicker, h("span", { class: "muted" }, `cohort: items taken in${kpis.site ? " at " + kpis.site : ""}, whatever has happened to them since`)),
    table("sl-kpis", ["KPI", "value", "definition"], kpis.kpis.map((k) => [k.name.replaceAll("_", " "), kpiValue(k), k.definition])),
    h("p", { id: "sl-co2e-source", class: "muted" }, `CO2e factors: ${source.source}.`, source.unverified ? h("strong", {}, " Unverified: check each factor against the published table before quoting.") : null,
      ...Object.entries(source.materials).map(([m, c]) => h("span", {}, h("br"), `${m}: ${c}`))),
    h("h3", {}, `Items (${items.total})`),
    table("sl-items", ["item", "kind", "site", "received", "kg", "status", "grade", "channel"], items.items.map((i) => [
      h("a", { href: `#/second-life?${new URLSearchParams({ ...(site ? { site } : {}), ...(status ? { status } : {}), item: i.item })}`, class: "sl-item", "data-item": i.item }, i.item),
      i.kind, i.site, london(i.received_at), i.mass_kg, i.status, i.grade || "–", i.channel || "–"])),
  ];
  // One item's history and actions sit above the list, so they are in view after clicking an item.
  if (chosen) nodes.splice(nodes.length - 2, 0, await itemPanel(chosen));
  return nodes;
}

async function itemPanel(key) {
  const detail = await api(`/second-life/items/${key}`);
  const item = detail.item;
  const message = h("p", { id: "sl-message", role: "status" });
  const post = async (action, body) => {
    try {
      const result = await api(`/second-life/items/${key}/${action}`, { method: "POST", body: JSON.stringify(body) });
      message.className = "";
      message.textContent = `${key}: ${result.event.summary} (now ${result.status})`;
      setTimeout(render, 800);
    } catch (error) {
      message.className = "error";
      message.textContent = `${key}: ${error.message}`;
    }
  };
  const gradeSelect = select("sl-grade", [["A", "A (as new)"], ["B", "B (cosmetic marks)"], ["C", "C (needs work)"], ["scrap", "scrap"]], "B", null);
  const reason = h("input", { id: "sl-reason", size: 30, placeholder: "why this grade" });
  const channel = select("sl-channel", [["resell", "resell"], ["reuse", "reuse"], ["donate", "donate"], ["recycle", "recycle"], ["landfill", "landfill"]], "resell", null);
  const value = h("input", { id: "sl-value", type: "number", min: 0, step: "0.01", value: "0", size: 8 });
  const stream = h("input", { id: "sl-stream", size: 12, placeholder: "stream (recycle)" });
  const forms = [];
  if (canGrade()) {
    forms.push(h("form", { id: "sl-grade-form", class: "controls", onsubmit: (e) => { e.preventDefault(); post("grade", { grade: gradeSelect.value, reason: reason.value }); } },
      "Grade ", gradeSelect, " reason ", reason, h("button", { type: "submit", id: "sl-grade-submit" }, "Record grade")));
  }
  if (canDispose()) {
    forms.push(h("form", { id: "sl-dispose-form", class: "controls", onsubmit: (e) => {
      e.preventDefault();
      const body = { channel: channel.value, value_recovered_pence: Math.round(100 * Number(value.value || 0)) };
      if (stream.value.trim()) body.material_stream = stream.value.trim();
      post("dispose", body);
    } }, "Dispose to ", channel, " value recovered £", value, " ", stream, h("button", { type: "submit", id: "sl-dispose-submit" }, "Record disposition")));
  }
  return h("div", { class: "card", id: "sl-detail" },
    h("h3", {}, `${item.item} — ${item.kind} at ${item.site}: ${item.status}${item.grade ? ", grade " + item.grade : ""}${item.channel ? ", " + item.channel : ""}`),
    h("p", { class: "muted" }, `${item.make || ""} ${item.model || ""} ${item.material}, ${fmt(item.mass_kg)} kg, ${pounds(item.new_value_pence)} new; refurbishment ${detail.refurbished_minutes} min, parts ${pounds(detail.parts_pence)}${detail.value_recovered_pence !== null ? ", recovered " + pounds(detail.value_recovered_pence) : ""}. ${detail.note}`),
    table("sl-history", ["#", "step", "at", "by", "what"], detail.history.map((e) => [e.sequence, e.kind, london(e.at), e.actor, e.summary])),
    forms.length ? forms : h("p", { class: "muted" }, "Only planners, admins and site operators (own site) may dispose; QA inspectors may grade."),
    message);
}

const PAGES = {
  network: networkPage,
  "heat-zones": heatZonesPage,
  gantt: ganttPage,
  routes: routesPage,
  qa: qaPage,
  emissions: emissionsPage,
  scenarios: scenariosPage,
  jobs: jobsPage,
  stock: stockPage,
  forecasts: forecastsPage,
  "second-life": secondLifePage,
};

async function render() {
  const name = (location.hash.replace(/^#\//, "").split("?")[0] || "network");
  const page = PAGES[name] || PAGES.network;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.getAttribute("href") === `#/${name}`);
  view.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    view.replaceChildren(...(await page()).filter((node) => node !== null && node !== undefined));
    view.dataset.page = name;
  } catch (error) {
    view.replaceChildren(h("p", { class: "error", id: "page-error" }, error.message));
  }
}

async function start() {
  me = await api("/auth/me");
  document.getElementById("who").textContent = `${me.username} (${me.role}${me.site ? " at " + me.site : ""})`;
  document.getElementById("logout").addEventListener("click", async () => {
    await api("/auth/logout", { method: "POST" }).catch(() => null);
    window.location.assign("/ui/login.html");
  });
  window.addEventListener("hashchange", render);
  await render();
}

start();
