// Builds every widgets/<name>/index.tsx into one self-contained HTML file,
// ../assets/<name>-<hash>.html (CSS and JS inline, so it runs under the MCP Apps default CSP
// with no domains declared), and writes ../assets/manifest.json mapping names to files.
//
// A widget's index.tsx default-exports its component; the entry generated here mounts it on
// #<name>-root. <hash> is the first 8 hex digits of the SHA-256 of the HTML, so a changed
// widget gets a new file name (hosts cache templates by URI).

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const webDir = path.dirname(fileURLToPath(import.meta.url));
const widgetsDir = path.join(webDir, "widgets");
const assetsDir = path.resolve(webDir, "../assets");
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const BUILT = /^(.+)-[0-9a-f]{8}\.html$/;

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

async function buildWidget(name) {
  const component = path.join(widgetsDir, name, "index.tsx");
  const result = await build({
    configFile: path.join(webDir, "vite.config.mjs"),
    root: webDir,
    mode: "production",
    logLevel: "warn",
    plugins: [mountPlugin(name, component)],
    build: { write: false, rollupOptions: { input: "virtual:fastapps-entry" } },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  const chunks = outputs.filter((o) => o.type === "chunk");
  const styles = outputs.filter((o) => o.type === "asset" && o.fileName.endsWith(".css"));
  const others = outputs.filter((o) => !chunks.includes(o) && !styles.includes(o));
  if (chunks.length !== 1 || others.length > 0) {
    throw new Error(`${name}: expected one JS chunk and CSS only, got ${outputs.map((o) => o.fileName).join(", ")}`);
  }
  // Inline code must not close its own element early.
  const js = chunks[0].code.trim().replace(/<\/script/gi, "<\\/script");
  const css = styles.map((s) => String(s.source).trim()).join("\n").replace(/<\/style/gi, "<\\/style");
  if (js.includes("<!--")) throw new Error(`${name}: the bundle contains "<!--", which would break the inline <script>`);
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body><div id="${name}-root"></div><script type="module">${js}</script></body></html>`;
}

const names = (await readdir(widgetsDir, { withFileTypes: true }))
  .filter((d) => d.isDirectory() && existsSync(path.join(widgetsDir, d.name, "index.tsx")))
  .map((d) => d.name)
  .sort();
if (names.length === 0) throw new Error(`no widgets/*/index.tsx under ${webDir}`);
for (const name of names) if (!NAME.test(name)) throw new Error(`widget folder "${name}": use lowercase letters, digits and "-"`);

await mkdir(assetsDir, { recursive: true });
const manifest = { version: 1, widgets: {} };
for (const name of names) {
  const html = await buildWidget(name);
  const hash = createHash("sha256").update(html).digest("hex").slice(0, 8);
  const file = `${name}-${hash}.html`;
  await writeFile(path.join(assetsDir, file), html);
  manifest.widgets[name] = { html: file };
  console.log(`${file}  ${(Buffer.byteLength(html) / 1024).toFixed(1)} KiB`);
}

// Remove earlier builds: any <name>-<hash>.html that the manifest no longer names.
const current = new Set(Object.values(manifest.widgets).map((w) => w.html));
for (const file of await readdir(assetsDir)) {
  if (BUILT.test(file) && !current.has(file)) {
    await rm(path.join(assetsDir, file));
    console.log(`removed ${file}`);
  }
}
await writeFile(path.join(assetsDir, "manifest.json"), JSON.stringify(manifest) + "\n");
console.log(`wrote ${path.relative(process.cwd(), path.join(assetsDir, "manifest.json"))}`);
