// The widget build of `fastapps build`, run by the CLI with the project's own Node and Vite:
//
//   node build.mjs '<settings as JSON>'
//
// Every widgets/<name>/index.{tsx,jsx} default-exports a React component; a generated entry
// mounts it on #<name>-root. Each widget is bundled on its own (its CSS with it) into
// <assets>/<name>-<hash>.html, where <hash> is the first 8 hex digits of the SHA-256 of the
// file, so a changed widget gets a new name (hosts cache templates by URI):
//
// - inline: the CSS and JS go into the HTML, one self-contained file that runs under the MCP
//   Apps default CSP with no domain declared;
// - hosted: the HTML loads <name>-<hash>.js and .css from `base` (the public URL's /assets).
//
// Then <assets>/manifest.json names each widget's files, and files of earlier builds are
// removed. Nothing is written unless every widget built. Progress goes to stdout as lines
// starting with "@@fastapps " and a JSON event; anything else is Vite's own output.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const settings = JSON.parse(process.argv[2] ?? "{}");
const { root, widgetsDir, assetsDir, runtime, mode, base, viteConfig } = settings;
const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const BUILT = /^[a-z0-9][a-z0-9_-]*-[0-9a-f]{8}\.(html|js|css)$/;
const ENTRIES = ["index.tsx", "index.jsx"];

const emit = (event) => process.stdout.write(`@@fastapps ${JSON.stringify(event)}\n`);

let vite;
try {
  vite = await import("vite");
} catch (err) {
  emit({ event: "fatal", message: `cannot load Vite from ${root}/node_modules (${err.message}); run npm install` });
  process.exit(2);
}

/** A virtual entry module that mounts the widget's default export. */
function mountPlugin(name, component) {
  const id = "virtual:fastapps-entry";
  return {
    name: "fastapps-mount",
    resolveId: (source) => (source === id ? "\0" + id : null),
    load(source) {
      if (source !== "\0" + id) return null;
      return `
import { StrictMode, createElement } from "react";
import { createRoot } from "react-dom/client";
import Widget from ${JSON.stringify(component)};
createRoot(document.getElementById(${JSON.stringify(`${name}-root`)})).render(createElement(StrictMode, null, createElement(Widget)));
`;
    },
  };
}

const hash = (text) => createHash("sha256").update(text).digest("hex").slice(0, 8);

/** Bundles one widget: its JS chunk and its CSS, in memory. */
async function bundle(name, component) {
  const result = await vite.build({
    configFile: viteConfig ?? false,
    root,
    mode: "production",
    logLevel: "warn",
    plugins: [mountPlugin(name, component)],
    resolve: {
      alias: runtime ? [{ find: /^fastapps$/, replacement: runtime }] : [],
      // One copy of React per bundle, even when the runtime sits outside the project.
      dedupe: ["react", "react-dom"],
    },
    // esbuild compiles the JSX; production builds need no Babel plugin.
    esbuild: { jsx: "automatic", legalComments: "none" },
    build: {
      write: false,
      target: "es2022",
      minify: "esbuild",
      cssCodeSplit: false,
      modulePreload: false,
      copyPublicDir: false,
      // Images and fonts go inline: a widget is its HTML (plus, hosted, one JS and one CSS file).
      assetsInlineLimit: Number.MAX_SAFE_INTEGER,
      reportCompressedSize: false,
      rollupOptions: { input: "virtual:fastapps-entry", output: { format: "es", inlineDynamicImports: true } },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  const chunks = outputs.filter((o) => o.type === "chunk");
  const styles = outputs.filter((o) => o.type === "asset" && o.fileName.endsWith(".css"));
  const others = outputs.filter((o) => !chunks.includes(o) && !styles.includes(o));
  if (chunks.length !== 1 || others.length > 0) {
    throw new Error(`expected one JS chunk and CSS only, got ${outputs.map((o) => o.fileName).join(", ")}`);
  }
  const js = chunks[0].code.trim();
  const css = styles.map((s) => String(s.source).trim()).join("\n");
  return { js, css };
}

const page = (name, head, body) =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${head}</head><body><div id="${name}-root"></div>${body}</body></html>`;

/** The files of one widget: name → content, and the manifest entry naming them. */
function render(name, { js, css }) {
  const files = {};
  const entry = {};
  if (mode === "hosted") {
    entry.js = `${name}-${hash(js)}.js`;
    files[entry.js] = js;
    let head = "";
    if (css) {
      entry.css = `${name}-${hash(css)}.css`;
      files[entry.css] = css;
      head = `<link rel="stylesheet" href="${base}/${entry.css}">`;
    }
    const html = page(name, head, `<script type="module" src="${base}/${entry.js}"></script>`);
    entry.html = `${name}-${hash(html)}.html`;
    files[entry.html] = html;
  } else {
    // Inline code must not close its own element early.
    const script = js.replace(/<\/script/gi, "<\\/script");
    if (script.includes("<!--")) throw new Error(`the bundle contains "<!--", which would break the inline <script>`);
    const style = css.replace(/<\/style/gi, "<\\/style");
    const html = page(name, style ? `<style>${style}</style>` : "", `<script type="module">${script}</script>`);
    entry.html = `${name}-${hash(html)}.html`;
    files[entry.html] = html;
  }
  return { files, entry };
}

/** Vite and Rollup errors carry the file, position and a code frame; show them all. */
function describe(err) {
  const parts = [err?.message ?? String(err)];
  const where = err?.loc ? `${err.loc.file ?? err.id ?? ""}:${err.loc.line}:${err.loc.column}` : err?.id;
  if (where && !parts[0].includes(where)) parts.push(`at ${where}`);
  if (err?.frame) parts.push(String(err.frame));
  return parts.join("\n");
}

const widgets = [];
if (existsSync(widgetsDir)) {
  for (const dir of (await readdir(widgetsDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!dir.isDirectory() || dir.name.startsWith("_") || dir.name.startsWith(".")) continue;
    const file = ENTRIES.find((f) => existsSync(path.join(widgetsDir, dir.name, f)));
    if (file) widgets.push({ name: dir.name, component: path.join(widgetsDir, dir.name, file) });
  }
}
emit({ event: "start", widgets: widgets.map((w) => w.name) });

const manifest = { version: 1, mode, widgets: {} };
const written = {};
let failed = 0;
for (const { name, component } of widgets) {
  if (!NAME.test(name)) {
    emit({ event: "error", name, message: `widget folder "${name}": use lowercase letters, digits, "-" and "_"` });
    failed++;
    continue;
  }
  try {
    const { files, entry } = render(name, await bundle(name, component));
    Object.assign(written, files);
    manifest.widgets[name] = entry;
    emit({ event: "built", name, file: entry.html, bytes: Buffer.byteLength(files[entry.html]) });
  } catch (err) {
    emit({ event: "error", name, message: describe(err) });
    failed++;
  }
}
if (failed > 0) process.exit(1);

await mkdir(assetsDir, { recursive: true });
for (const [file, text] of Object.entries(written)) await writeFile(path.join(assetsDir, file), text);
for (const file of await readdir(assetsDir)) {
  if (BUILT.test(file) && !(file in written)) {
    await rm(path.join(assetsDir, file));
    emit({ event: "removed", file });
  }
}
await writeFile(path.join(assetsDir, "manifest.json"), JSON.stringify(manifest) + "\n");
emit({ event: "done", manifest: path.join(assetsDir, "manifest.json") });
