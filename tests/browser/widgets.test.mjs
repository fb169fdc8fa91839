// End-to-end: the pizzaz widgets in an MCP Apps host page, in headless Chromium.
//
// Needs MCP_URL (the pizzaz server's Streamable HTTP endpoint on 127.0.0.1); run it through
// scripts/browser-test.sh, which builds and starts the server. Environment:
//   MCP_URL                  required, e.g. http://127.0.0.1:8000/mcp
//   CHROMIUM                 the browser (default /usr/bin/chromium)
//   BROWSER_TEST_OUTPUT_DIR  where screenshots go (default: a fresh temp dir)
//   BROWSER_TEST_ONLY        comma-separated widget names to run (default: all three)
//   BROWSER_TEST_NO_CSP=1    embed the widget without the host's CSP <meta> (diagnosis only)
//   BROWSER_TEST_HEADED=1    show the browser (needs a display)

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { MCP_APP_MIME_TYPE, startHost } from "./host.mjs";

const MCP_URL = process.env.MCP_URL;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const OUT_DIR = process.env.BROWSER_TEST_OUTPUT_DIR || mkdtempSync(path.join(tmpdir(), "fastapps-browser-"));
const NO_CSP = ["1", "true"].includes(process.env.BROWSER_TEST_NO_CSP ?? "");
const HEADED = ["1", "true"].includes(process.env.BROWSER_TEST_HEADED ?? "");
const TIMEOUT_MS = 15_000;

const TOPPING = "olives";
const FIRST_PLACE = { id: "the-olive-oven", name: "The Olive Oven", details: "Roman al taglio" };
const PLACE_NAMES = [
  "The Olive Oven",
  "Nova Slice Lab",
  "Verde Fire",
  "Crust & Orbit",
  "Fog City Sourdough Pizza",
  "Golden Gate Pies",
];

const WIDGETS = [
  { tool: "pizza-list", kind: "cards" },
  { tool: "pizza-carousel", kind: "cards" },
  { tool: "pizza-map", kind: "pins" },
].filter(({ tool }) => !process.env.BROWSER_TEST_ONLY || process.env.BROWSER_TEST_ONLY.split(",").includes(tool));

let host;
let context;
let userDataDir;

before(async () => {
  assert.ok(MCP_URL, "MCP_URL is not set (run scripts/browser-test.sh)");
  mkdirSync(OUT_DIR, { recursive: true });
  host = await startHost({ mcpUrl: MCP_URL });
  userDataDir = mkdtempSync(path.join(tmpdir(), "fastapps-chromium-profile-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: !HEADED,
    // This machine's network is closed: no background connections, no QUIC, no GPU.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 800, height: 640 },
  });
  // Only 127.0.0.1 traffic: anything else the page or the widget asks for is refused
  // (and reported per widget).
  await context.route(
    (url) => !["http:", "https:", "ws:", "wss:"].includes(url.protocol) || url.hostname !== "127.0.0.1",
    (route) => {
      const url = route.request().url();
      if (/^(data|blob|about):/.test(url)) return route.continue();
      blockedRequests.push(url);
      return route.abort("blockedbyclient");
    },
  );
  console.log(`# host ${host.url}, MCP server ${MCP_URL}, chromium ${context.browser()?.version() ?? "?"}`);
  console.log(`# screenshots in ${OUT_DIR}`);
});

after(async () => {
  await context?.close().catch(() => {});
  await host?.close().catch(() => {});
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

const blockedRequests = [];

for (const widget of WIDGETS) {
  test(`${widget.tool} renders in an MCP Apps host and calls pizza_details`, { timeout: 60_000 }, async () => {
    const t0 = Date.now();
    const page = await context.newPage();
    const consoleLines = [];
    page.on("console", (msg) => {
      const where = msg.location()?.url || "?";
      consoleLines.push({ type: msg.type(), where, text: msg.text() });
    });
    page.on("pageerror", (err) => consoleLines.push({ type: "pageerror", where: "?", text: String(err?.stack ?? err) }));
    page.on("requestfailed", (req) =>
      consoleLines.push({ type: "requestfailed", where: req.frame()?.url() ?? "?", text: `${req.url()} ${req.failure()?.errorText ?? ""}` }),
    );
    blockedRequests.length = 0;
    const screenshot = path.join(OUT_DIR, `${widget.tool}.png`);
    let passed = false;
    try {
      const query = new URLSearchParams({ tool: widget.tool, args: JSON.stringify({ pizzaTopping: TOPPING }) });
      if (NO_CSP) query.set("csp", "0");
      await page.goto(`${host.url}/host.html?${query}`);

      // The host fetched, embedded and initialized the widget.
      await waitForHost(page, (s) => s.phase === "ready" || s.phase === "error", "the widget to complete the ui/initialize handshake");
      let state = await hostState(page);
      assert.deepEqual(state.errors, [], "the host page reported errors");
      checkRender(widget.tool, state.render);
      checkMcpTraffic(host.mcpLog);
      checkHandshake(state);

      const frame = page.frameLocator("#widget");
      if (widget.kind === "cards") {
        const cards = frame.locator('[data-testid="place"]');
        await waitForCount(cards, 6, 'place cards ([data-testid="place"])');
        const first = cards.first();
        await checkIsFirstPlace(first, "the first card");
        const highlighted = await highlightedOf(cards);
        assert.deepEqual(
          highlighted.map((h) => h.index),
          [0],
          `only the first card (the one known for ${TOPPING}) should be highlighted; highlighted: ${JSON.stringify(highlighted)}`,
        );
        await checkNames(frame);
        await first.locator('[data-testid="details-button"]').first().click({ timeout: TIMEOUT_MS });
        await checkDetailsCall(page);
        await waitForText(first.locator('[data-testid="details-text"]'), FIRST_PLACE.details, 'the first card\'s [data-testid="details-text"]');
      } else {
        const pins = frame.locator('[data-testid="pin"]');
        await waitForCount(pins, 6, 'map pins ([data-testid="pin"])');
        await checkNames(frame, { hidden: true });
        const highlighted = await highlightedOf(pins);
        assert.deepEqual(
          highlighted.map((h) => h.id ?? h.index),
          [FIRST_PLACE.id],
          `only the pin of ${FIRST_PLACE.id} (known for ${TOPPING}) should be highlighted; highlighted: ${JSON.stringify(highlighted)}`,
        );
        const pin = await pinFor(pins, FIRST_PLACE);
        await pin.click({ timeout: TIMEOUT_MS });
        const button = frame.locator('[data-testid="details-button"]:visible');
        await waitForCount(button, 1, 'a visible [data-testid="details-button"] after clicking the pin');
        await button.click({ timeout: TIMEOUT_MS });
        await checkDetailsCall(page);
        await waitForText(frame.locator('[data-testid="details-text"]'), FIRST_PLACE.details, '[data-testid="details-text"]');
      }

      state = await hostState(page);
      assert.deepEqual(state.errors, [], "the host page reported errors");
      passed = true;
      console.log(`# ${widget.tool}: passed in ${Date.now() - t0} ms; widget sent ${describeMessages(state.received)}`);
    } finally {
      await page.screenshot({ path: screenshot, fullPage: true }).catch((err) => console.log(`# screenshot failed: ${err.message}`));
      console.log(`# ${widget.tool}: screenshot ${screenshot}`);
      report(widget.tool, consoleLines, passed);
      if (!passed) {
        const state = await hostState(page).catch(() => null);
        if (state) {
          console.log(`# ${widget.tool}: host phase ${state.phase}; host errors: ${JSON.stringify(state.errors)}`);
          console.log(`# ${widget.tool}: messages from the widget:`);
          for (const m of state.received) console.log(`#   ${Math.round(m.at)} ms ${truncate(JSON.stringify(m.data), 400)}`);
          console.log(`# ${widget.tool}: messages to the widget:`);
          for (const m of state.sent) console.log(`#   ${Math.round(m.at)} ms ${truncate(JSON.stringify(m.data), 400)}`);
        }
        console.log(`# MCP traffic: ${JSON.stringify(host.mcpLog.map((e) => `${e.httpMethod} ${e.methods.join(",") || "(no body)"} → ${e.status ?? "pending"}`))}`);
      }
      await page.close().catch(() => {});
    }
  });
}

// ---------------------------------------------------------------------------------------
// Checks.

function checkRender(tool, render) {
  assert.ok(render, "the host has no render result");
  assert.equal(render.resourceUri, `ui://widget/${tool}.html`, `${tool}: _meta.ui.resourceUri in tools/list`);
  const { resource, toolResult } = render;
  assert.equal(resource.uri, render.resourceUri, "resources/read: contents[0].uri");
  assert.equal(resource.mimeType, MCP_APP_MIME_TYPE, "resources/read: contents[0].mimeType");
  assert.equal(resource.encoding, "text", "resources/read: the HTML should be in contents[0].text");
  assert.match(resource.html, /<(!doctype html|html|script|div)\b/i, "resources/read: contents[0].text is not HTML");
  assert.notEqual(toolResult.isError, true, `tools/call ${tool} failed: ${JSON.stringify(toolResult.content)}`);
  assert.equal(toolResult.structuredContent?.places?.[0]?.id, FIRST_PLACE.id, `tools/call ${tool}: first place`);
}

// The host's MCP session: initialize (announcing the UI extension), initialized, and then
// for the first widget tools/call → tools/list → resources/read; every POST answered 2xx.
function checkMcpTraffic(log) {
  const posts = log.filter((e) => e.httpMethod === "POST");
  const methods = posts.flatMap((e) => e.methods);
  assert.deepEqual(methods.slice(0, 2), ["initialize", "notifications/initialized"], "first MCP messages");
  assert.deepEqual(
    posts[0].params?.capabilities?.extensions,
    { "io.modelcontextprotocol/ui": { mimeTypes: [MCP_APP_MIME_TYPE] } },
    "initialize: client capabilities.extensions",
  );
  const first = (m) => methods.indexOf(m);
  assert.ok(
    first("tools/call") > 1 && first("tools/call") < first("tools/list") && first("tools/list") < first("resources/read"),
    `MCP order tools/call → tools/list → resources/read: ${methods.join(", ")}`,
  );
  const bad = posts.filter((e) => !(e.status >= 200 && e.status < 300));
  assert.deepEqual(bad, [], "MCP POSTs answered with a non-2xx status");
}

function checkHandshake(state) {
  const requests = state.received.map((m) => m.data);
  const inits = requests.filter((m) => m.method === "ui/initialize");
  assert.equal(inits.length, 1, "the widget should send ui/initialize exactly once");
  assert.equal(inits[0].params?.protocolVersion, "2026-01-26", "ui/initialize params.protocolVersion");
  const initIndex = requests.indexOf(inits[0]);
  const initializedIndex = requests.findIndex((m) => m.method === "ui/notifications/initialized");
  assert.ok(initializedIndex > initIndex, "ui/notifications/initialized should follow ui/initialize");
  const sentMethods = state.sent.map((m) => m.data.method ?? `response:${m.data.id}`);
  assert.deepEqual(
    sentMethods.slice(0, 3),
    [`response:${inits[0].id}`, "ui/notifications/tool-input", "ui/notifications/tool-result"],
    "host → widget messages",
  );
}

async function checkIsFirstPlace(locator, what) {
  const id = await placeIdOf(locator);
  if (id !== null) assert.equal(id, FIRST_PLACE.id, `${what}: place id`);
  await waitForText(locator, FIRST_PLACE.name, what);
}

// The highlighted ones among `items`: [{index, id}] (id from data-place-id, if any).
async function highlightedOf(items) {
  const highlighted = [];
  const n = await items.count();
  for (let index = 0; index < n; index++) {
    const item = items.nth(index);
    if (await isHighlighted(item)) highlighted.push({ index, id: await placeIdOf(item) });
  }
  return highlighted;
}

async function isHighlighted(card) {
  if ((await card.locator('[data-testid="highlighted"]').count()) > 0) return true;
  const attr = await card.getAttribute("data-highlighted");
  return attr !== null && attr !== "false";
}

async function checkNames(frame, { hidden = false } = {}) {
  // Map pins may carry the names only in labels or titles, so hidden text counts there.
  const text = await frame.locator("body").evaluate((body, hidden) => {
    const parts = [hidden ? body.textContent : body.innerText];
    if (hidden) {
      for (const el of body.querySelectorAll("[title],[aria-label],[alt]")) {
        parts.push(el.getAttribute("title"), el.getAttribute("aria-label"), el.getAttribute("alt"));
      }
    }
    return parts.filter(Boolean).join("\n");
  }, hidden);
  const missing = PLACE_NAMES.filter((name) => !text.includes(name));
  assert.deepEqual(missing, [], "place names missing from the widget");
}

async function checkDetailsCall(page) {
  await waitForHost(page, (s) => s.toolCalls.length > 0, "the widget's tools/call request");
  const state = await hostState(page);
  assert.equal(state.toolCalls.length, 1, `one tools/call expected, got ${JSON.stringify(state.toolCalls)}`);
  assert.deepEqual(state.toolCalls[0], { name: "pizza_details", arguments: { placeId: FIRST_PLACE.id } }, "the widget's tools/call params");
  // The real answer went back to the widget.
  await waitForHost(
    page,
    (s) => s.sent.some((m) => m.data.id !== undefined && !m.data.method && m.data.result?.structuredContent?.id === "the-olive-oven"),
    "the host's answer to tools/call pizza_details",
  );
}

async function pinFor(pins, place) {
  const n = await pins.count();
  for (let i = 0; i < n; i++) {
    const pin = pins.nth(i);
    if ((await placeIdOf(pin)) === place.id) return pin;
    const label = [await pin.getAttribute("title"), await pin.getAttribute("aria-label"), await pin.textContent()].join(" ");
    if (label.includes(place.name)) return pin;
  }
  // The places come best match first; the pins in the same order.
  return pins.first();
}

async function placeIdOf(locator) {
  for (const attr of ["data-place-id", "data-id"]) {
    const value = await locator.getAttribute(attr);
    if (value !== null) return value;
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Waiting, with messages that say what was waited for and what was seen.

async function hostState(page) {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.hostState ?? null)));
}

async function waitForHost(page, predicate, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  let state;
  for (;;) {
    state = await hostState(page);
    if (state && predicate(state)) return state;
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  assert.fail(
    `timed out after ${TIMEOUT_MS} ms waiting for ${what} (host phase: ${state?.phase}, ` +
      `host errors: ${JSON.stringify(state?.errors)}, messages from the widget: ${describeMessages(state?.received ?? [])})`,
  );
}

async function waitForCount(locator, expected, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  let count;
  for (;;) {
    count = await locator.count();
    if (count === expected) {
      // Stable for a moment (no more appearing).
      await sleep(100);
      count = await locator.count();
      if (count === expected) return;
    }
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  assert.fail(`expected ${expected} ${what}, found ${count} after ${TIMEOUT_MS} ms`);
}

async function waitForText(locator, text, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  let seen;
  for (;;) {
    seen = (await locator.allTextContents()).join(" | ");
    if (seen.includes(text)) return;
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  assert.fail(`expected ${what} to contain ${JSON.stringify(text)}; it has ${JSON.stringify(truncate(seen, 300))}`);
}

// ---------------------------------------------------------------------------------------
// Reporting.

function report(tool, lines, passed) {
  if (!passed) {
    console.log(`# ${tool}: console output of the page and the widget (${lines.length} lines):`);
    for (const l of lines) console.log(`#   [${l.type}] ${l.where}: ${truncate(l.text, 500)}`);
  } else {
    // Pass or not, the widget's errors and warnings are worth seeing.
    const problems = lines.filter((l) => ["error", "warning", "pageerror", "requestfailed"].includes(l.type));
    if (problems.length) {
      console.log(`# ${tool}: console errors/warnings (${problems.length}):`);
      for (const l of problems) console.log(`#   [${l.type}] ${l.where}: ${truncate(l.text, 500)}`);
    } else {
      console.log(`# ${tool}: no console errors or warnings`);
    }
  }
  if (blockedRequests.length) {
    console.log(`# ${tool}: refused non-loopback requests: ${blockedRequests.join(", ")}`);
  }
}

function describeMessages(received) {
  if (!received.length) return "nothing";
  return received.map((m) => m.data?.method ?? (m.data?.id !== undefined ? `response:${m.data.id}` : "?")).join(", ");
}

function truncate(s, n) {
  s = String(s);
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
