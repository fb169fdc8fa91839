// End-to-end: the fastapps CLI from nothing to a running app, as a new user meets it.
//
// In a temp folder: `fastapps init demo`, `fastapps create second --auth --scopes read
// --template list`, `fastapps build`, `cargo build` and the generated project's own tests,
// `fastapps tools` and `fastapps csp`; then `fastapps dev`: the widget preview page in headless
// Chromium (both host dialects), a restart after a Rust change, a widget rebuild without one,
// and nothing left running after Ctrl-C. Run it through scripts/cli-test.sh, which builds the
// CLI and installs what this needs. Environment:
//   FASTAPPS_BIN      the CLI binary (required)
//   FASTAPPS_PATH     the framework checkout the project depends on (required)
//   CHROMIUM          the browser (default /usr/bin/chromium)
//   CLI_TEST_DIR      where the project goes (default: a fresh temp dir)
// CARGO_TARGET_DIR, when set, is shared with the project's cargo runs.

import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { chromium } from "playwright-core";

const FASTAPPS = process.env.FASTAPPS_BIN;
const FRAMEWORK = process.env.FASTAPPS_PATH;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const WORK = process.env.CLI_TEST_DIR || mkdtempSync(path.join(tmpdir(), "fastapps-cli-test-"));
const PROJECT = path.join(WORK, "demo");
const run = promisify(execFile);
/** Every tool of the project once all its widgets are created. */
const TOOLS = ["fourth", "hello", "roll_dice", "second", "third-widget"];

assert.ok(FASTAPPS && FRAMEWORK, "FASTAPPS_BIN and FASTAPPS_PATH must be set (run scripts/cli-test.sh)");

/** Runs the CLI (or another program) and returns its output; a failure shows both streams. */
async function sh(program, args, options = {}) {
  try {
    return await run(program, args, { cwd: PROJECT, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" }, ...options });
  } catch (err) {
    throw new Error(`${program} ${args.join(" ")} failed (${err.code}):\n${err.stdout}\n${err.stderr}`);
  }
}
const fastapps = (...args) => sh(FASTAPPS, args);

/** A port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Whether a process is running (a zombie has exited). */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function connect(url) {
  const client = new Client({ name: "cli-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

let dev; // { child, port, output: string[], exited }
let browser;

after(async () => {
  await browser?.close().catch(() => {});
  if (dev && dev.exited === null) {
    try {
      process.kill(-dev.child.pid, "SIGKILL");
    } catch {}
  }
  if (!process.env.CLI_TEST_DIR) rmSync(WORK, { recursive: true, force: true });
});

test("fastapps init, create, build, cargo test, tools, csp", { timeout: 1_500_000 }, async (t) => {
  await t.test("--version", async () => {
    assert.match((await sh(FASTAPPS, ["--version"], { cwd: WORK })).stdout, /^fastapps \d+\.\d+\.\d+\n$/);
  });

  await t.test("init writes a project that builds its widget", async () => {
    await sh(FASTAPPS, ["init", "demo", "--path", FRAMEWORK], { cwd: WORK });
    for (const file of ["Cargo.toml", "src/main.rs", "src/widgets/hello.rs", "src/tools.rs", "widgets/hello/index.tsx", "widgets/_fastapps/bridge.ts", "fastapps.toml", ".env.example", ".gitignore", "README.md", "package.json", "package-lock.json", "tests/server.rs", "assets/manifest.json"]) {
      assert.ok(existsSync(path.join(PROJECT, file)), `init wrote no ${file}`);
    }
    const manifest = JSON.parse(readFileSync(path.join(PROJECT, "assets/manifest.json"), "utf8"));
    assert.match(manifest.widgets.hello.html, /^hello-[0-9a-f]{8}\.html$/);
    // A second init into the same folder must refuse and change nothing.
    await assert.rejects(sh(FASTAPPS, ["init", "demo", "--path", FRAMEWORK], { cwd: WORK }), /not an empty folder/);
  });

  await t.test("create adds an auth-required list widget", async () => {
    await fastapps("create", "second", "--auth", "--scopes", "read", "--template", "list");
    const rust = readFileSync(path.join(PROJECT, "src/widgets/second.rs"), "utf8");
    assert.match(rust, /#\[auth_required\(scopes = \["read"\]\)\]\npub struct Second \{/);
    assert.match(readFileSync(path.join(PROJECT, "src/widgets/mod.rs"), "utf8"), /^mod hello;\nmod second;$/m);
    await assert.rejects(fastapps("create", "Second"), /already exists/);
    await assert.rejects(fastapps("create", "third", "--scopes", "read"), /--auth|--optional-auth/);
  });

  await t.test("build bundles both widgets", async () => {
    const { stderr } = await fastapps("build");
    assert.match(stderr, /built hello/);
    assert.match(stderr, /built second/);
    const manifest = JSON.parse(readFileSync(path.join(PROJECT, "assets/manifest.json"), "utf8"));
    assert.deepEqual(Object.keys(manifest.widgets).sort(), ["hello", "second"]);
    const html = readFileSync(path.join(PROJECT, "assets", manifest.widgets.second.html), "utf8");
    assert.match(html, /<div id="second-root"><\/div><script type="module">/);
  });

  await t.test("build errors say what failed and keep the last build", async () => {
    const manifest = readFileSync(path.join(PROJECT, "assets/manifest.json"), "utf8");
    mkdirSync(path.join(PROJECT, "widgets/broken"));
    writeFileSync(path.join(PROJECT, "widgets/broken/index.tsx"), "export default function Broken() { return <p>unclosed; }\n");
    await assert.rejects(fastapps("build"), /1 widget\(s\) failed to build[\s\S]*widget broken:[\s\S]*index\.tsx/);
    assert.equal(readFileSync(path.join(PROJECT, "assets/manifest.json"), "utf8"), manifest, "a failed build changed assets/");
    rmSync(path.join(PROJECT, "widgets/broken"), { recursive: true });
    await assert.rejects(sh(FASTAPPS, ["build"], { env: { ...process.env, NODE: "/nonexistent/node" } }), /Node\.js was not found/);
    await assert.rejects(fastapps("build", "--hosted"), /no public URL is set/);
  });

  await t.test("a hosted build loads its script from the public URL", async () => {
    await sh(FASTAPPS, ["build", "--hosted"], { env: { ...process.env, PUBLIC_URL: "https://demo.example/" } });
    const manifest = JSON.parse(readFileSync(path.join(PROJECT, "assets/manifest.json"), "utf8"));
    assert.equal(manifest.mode, "hosted");
    const { html, js, css } = manifest.widgets.hello;
    assert.match(js, /^hello-[0-9a-f]{8}\.js$/);
    assert.match(css, /^hello-[0-9a-f]{8}\.css$/);
    const page = readFileSync(path.join(PROJECT, "assets", html), "utf8");
    assert.ok(page.includes(`<script type="module" src="https://demo.example/assets/${js}"></script>`), page);
    assert.ok(page.includes(`<link rel="stylesheet" href="https://demo.example/assets/${css}">`), page);
    // Back to inline: the hosted files go.
    await fastapps("build");
    assert.ok(!existsSync(path.join(PROJECT, "assets", js)), `${js} outlived the inline build`);
  });

  await t.test("cargo build and the project's own tests pass", async () => {
    await sh("cargo", ["build"]);
    const { stdout } = await sh("cargo", ["test"]);
    // Every test of the generated tests/server.rs ran and passed.
    const declared = readFileSync(path.join(PROJECT, "tests", "server.rs"), "utf8").match(/#\[tokio::test\]/g) ?? [];
    assert.ok(declared.length > 0, "tests/server.rs declares no test");
    assert.match(stdout, new RegExp(`test result: ok\\. ${declared.length} passed; 0 failed`));
  });

  await t.test("fastapps tools prints what a host sees", async () => {
    const { stdout } = await fastapps("tools");
    const tools = Object.fromEntries(JSON.parse(stdout).tools.map((tool) => [tool.name, tool]));
    assert.deepEqual(Object.keys(tools).sort(), ["hello", "roll_dice", "second"]);
    assert.deepEqual(tools.second.securitySchemes, [{ type: "oauth2", scopes: ["read"] }]);
    assert.deepEqual(tools.roll_dice.securitySchemes, [{ type: "noauth" }]);
    assert.equal(tools.hello._meta.ui.resourceUri, "ui://widget/hello.html");
  });

  await t.test("fastapps csp edits fastapps.toml", async () => {
    await fastapps("csp", "add", "https://API.example.com/", "--kind", "connect");
    const { stdout } = await fastapps("csp", "list");
    assert.match(stdout, /^connect\s+https:\/\/api\.example\.com$/m);
    await fastapps("csp", "remove", "https://api.example.com");
    assert.match((await fastapps("csp", "list")).stdout, /^connect\s+-$/m);
    await assert.rejects(fastapps("csp", "add", "api.example.com"), /scheme/);
  });

  await t.test("every template typechecks, builds and compiles", async () => {
    await fastapps("create", "Third Widget", "--optional-auth", "--scopes", "read", "--template", "carousel");
    await fastapps("create", "fourth", "--public", "--template", "albums");
    await sh("npm", ["run", "typecheck"]);
    const { stderr } = await fastapps("build");
    for (const id of ["hello", "second", "third-widget", "fourth"]) assert.match(stderr, new RegExp(`built ${id} `));
    const tools = Object.fromEntries(JSON.parse((await fastapps("tools")).stdout).tools.map((tool) => [tool.name, tool]));
    assert.deepEqual(Object.keys(tools).sort(), TOOLS);
    assert.deepEqual(tools["third-widget"].securitySchemes, [{ type: "noauth" }, { type: "oauth2", scopes: ["read"] }]);
    assert.deepEqual(tools.fourth.securitySchemes, [{ type: "noauth" }]);
    assert.equal(tools["third-widget"].title, "Third Widget");
  });
});

test("fastapps dev: preview page, restart on change, clean stop", { timeout: 900_000 }, async (t) => {
  const port = await freePort();
  const output = [];
  const child = spawn(FASTAPPS, ["dev", "--port", String(port)], {
    cwd: PROJECT,
    env: { ...process.env, NO_COLOR: "1", RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: the after() hook can end everything if the test fails
  });
  dev = { child, port, output, exited: null };
  child.on("exit", (code, signal) => (dev.exited = { code, signal }));
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    // Whole lines only: a chunk may end in the middle of one.
    let partial = "";
    stream.on("data", (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop();
      output.push(...lines.filter(Boolean));
    });
  }
  const tail = () => `\n--- last lines of fastapps dev ---\n${output.slice(-30).join("\n")}`;
  const waitFor = (what, check, ms) => until(what, check, ms).catch((err) => Promise.reject(new Error(err.message + tail())));
  const servers = () => output.map((l) => /^(started|restarted): server running \(pid (\d+)\)/.exec(l)).filter(Boolean).map((m) => Number(m[2]));
  const url = `http://127.0.0.1:${port}/mcp`;
  const greeting = async (name) => {
    const client = await connect(url);
    try {
      const result = await client.callTool({ name: "hello", arguments: { name } });
      return result.structuredContent.greeting;
    } finally {
      await client.close();
    }
  };

  await t.test("dev builds and starts the server", async () => {
    await waitFor("the server to start", () => servers().length === 1 || dev.exited, 300_000);
    assert.equal(dev.exited, null, `fastapps dev exited:\n${output.join("\n")}`);
    assert.ok(output.some((l) => /auth\s+development sign-in/.test(l)), "dev says it runs the development sign-in");
    assert.equal(await greeting("Ada"), "Hello, Ada!");
  });

  await t.test("the preview page calls a tool and renders its widget in both dialects", async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage();
    const problems = [];
    page.on("pageerror", (err) => problems.push(String(err)));
    await page.route((u) => u.hostname !== "127.0.0.1" && !/^(data|blob|about):/.test(u.protocol), (route) => {
      problems.push(`blocked ${route.request().url()}`);
      return route.abort("blockedbyclient");
    });
    for (const dialect of ["mcp-apps", "openai"]) {
      await page.goto(`http://127.0.0.1:${port}/_fastapps/preview`);
      await page.waitForFunction(() => ["ready", "error"].includes(window.preview?.phase), null, { timeout: 15_000 });
      await page.selectOption("#dialect", dialect);
      await page.waitForFunction(() => window.preview.phase === "ready", null, { timeout: 15_000 });
      assert.deepEqual(await page.evaluate(() => window.preview.tools.map((tool) => tool.name).sort()), TOOLS);
      await page.selectOption("#tool-select", "hello");
      await page.fill('[data-arg="name"]', `Preview ${dialect}`);
      await page.click("#call");
      await page.waitForFunction(() => ["rendered", "called", "error"].includes(window.preview.phase), null, { timeout: 15_000 });
      assert.deepEqual(await page.evaluate(() => window.preview.errors), []);
      assert.equal(await page.evaluate(() => window.preview.phase), "rendered");
      const frame = page.frameLocator("#widget-frame");
      assert.equal(await frame.getByTestId("greeting").textContent({ timeout: 15_000 }), `Hello, Preview ${dialect}!`);
      // A button in the widget calls the tool again, through the emulated host.
      await frame.getByTestId("name").fill("Again");
      await frame.getByTestId("greet").click();
      await frame.getByTestId("greeting").filter({ hasText: "Hello, Again!" }).waitFor({ timeout: 15_000 });
      assert.deepEqual(await page.evaluate(() => window.preview.widgetCalls), [{ name: "hello", arguments: { name: "Again" } }]);
      await page.screenshot({ path: path.join(WORK, `preview-${dialect}.png`) });
    }
    assert.deepEqual(problems, []);
  });

  await t.test("the preview signs in with the development accounts to call an auth-required widget", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/_fastapps/preview`);
    await page.waitForFunction(() => window.preview?.phase === "ready", null, { timeout: 15_000 });
    // Without a token the server refuses the tool (HTTP 401: the preview is no ChatGPT).
    await page.selectOption("#tool-select", "second");
    await page.click("#call");
    await page.waitForFunction(() => window.preview.phase === "error", null, { timeout: 15_000 });
    assert.match(await page.evaluate(() => window.preview.errors.join(" ")), /401/);
    // Sign in: the consent page, then the development login, then back with a token.
    await page.click("#sign-in");
    await page.waitForURL(/\/authorize\?/, { timeout: 15_000 });
    assert.match(await page.content(), /Development sign-in/);
    await page.click('button[value="approve"]');
    await page.waitForURL(/\/oauth\/login\?/, { timeout: 15_000 });
    await page.fill('input[name="username"]', "alice");
    await page.fill('input[name="password"]', "alice");
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/_fastapps\/preview$/, { timeout: 15_000 });
    await page.waitForFunction(() => window.preview?.phase === "ready", null, { timeout: 15_000 });
    assert.match(await page.textContent("#signed-in"), /signed in as alice \(read\)/);
    await page.selectOption("#tool-select", "second");
    await page.click("#call");
    await page.waitForFunction(() => ["rendered", "error"].includes(window.preview.phase), null, { timeout: 15_000 });
    assert.deepEqual(await page.evaluate(() => window.preview.errors), []);
    const items = page.frameLocator("#widget-frame").getByTestId("item");
    await items.first().waitFor({ timeout: 15_000 });
    assert.equal(await items.count(), 6);
    await page.close();
  });

  await t.test("a Rust change rebuilds and restarts the server", async () => {
    const file = path.join(PROJECT, "src/widgets/hello.rs");
    writeFileSync(file, readFileSync(file, "utf8").replace('format!("Hello, {name}!")', 'format!("Howdy, {name}!")'));
    await waitFor("the server to restart", () => servers().length === 2 || dev.exited, 300_000);
    const [first, second] = servers();
    assert.notEqual(first, second);
    assert.ok(!alive(first), `the first server (pid ${first}) is still running`);
    assert.equal(await greeting("Ada"), "Howdy, Ada!");
  });

  await t.test("a widget change rebuilds the widget without a restart", async () => {
    const manifest = () => JSON.parse(readFileSync(path.join(PROJECT, "assets/manifest.json"), "utf8")).widgets.hello.html;
    const before = manifest();
    const file = path.join(PROJECT, "widgets/hello/index.tsx");
    writeFileSync(file, readFileSync(file, "utf8").replace("Another name", "Somebody else"));
    const after = await waitFor("the widget to be rebuilt", () => manifest() !== before && manifest(), 120_000);
    const client = await connect(url);
    try {
      const read = await client.readResource({ uri: "ui://widget/hello.html" });
      assert.match(read.contents[0].text, /Somebody else/);
    } finally {
      await client.close();
    }
    assert.equal(servers().length, 2, "a widget change must not restart the server");
    assert.ok(!readdirSync(path.join(PROJECT, "assets")).includes(before), `${before} of the earlier build was not removed`);
    assert.ok(after.startsWith("hello-"));
  });

  await t.test("a hosted build renders in the preview, its script served from /assets", async () => {
    const config = path.join(PROJECT, "fastapps.toml");
    const public_url = `http://127.0.0.1:${port}`;
    writeFileSync(config, readFileSync(config, "utf8").replace('mode = "inline"', 'mode = "hosted"').replace(/^# public_url = .*$/m, `public_url = "${public_url}"`));
    // fastapps.toml is the server's and the widgets': both are rebuilt.
    await waitFor("the server to restart", () => servers().length === 3 || dev.exited, 300_000);
    const manifest = await waitFor("a hosted build", () => {
      const m = JSON.parse(readFileSync(path.join(PROJECT, "assets/manifest.json"), "utf8"));
      return m.mode === "hosted" && m;
    }, 120_000);
    const script = await fetch(`${public_url}/assets/${manifest.widgets.hello.js}`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get("access-control-allow-origin"), "*");
    assert.match(script.headers.get("cache-control"), /immutable/);
    const page = await browser.newPage();
    await page.goto(`${public_url}/_fastapps/preview`);
    await page.waitForFunction(() => window.preview?.phase === "ready", null, { timeout: 15_000 });
    await page.selectOption("#tool-select", "hello");
    await page.fill('[data-arg="name"]', "Hosted");
    await page.click("#call");
    const frame = page.frameLocator("#widget-frame");
    await frame.getByTestId("greeting").filter({ hasText: "Howdy, Hosted!" }).waitFor({ timeout: 15_000 });
    await page.close();
  });

  await t.test("Ctrl-C stops dev and everything it started", async () => {
    const server = servers().at(-1);
    assert.ok(alive(server));
    process.kill(child.pid, "SIGINT");
    await until("fastapps dev to exit", () => dev.exited, 20_000);
    assert.deepEqual(dev.exited, { code: 0, signal: null }, output.slice(-20).join("\n"));
    await until(`the server (pid ${server}) to be gone`, () => !alive(server), 5_000);
    // No process is left in a group that dev or one of its servers led (each server and
    // each build runs in a group of its own).
    const groups = new Set([child.pid, ...servers()]);
    const left = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && alive(p)).filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, "utf8");
        return groups.has(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]));
      } catch {
        return false;
      }
    });
    assert.deepEqual(left, [], "processes that fastapps dev started are still running");
    await assert.rejects(fetch(url), "nothing listens on the port any more");
  });
});
