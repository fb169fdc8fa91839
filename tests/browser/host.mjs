// The Node side of a minimal MCP Apps host, for the browser test.
//
// It is a real MCP client of the server under test (the official TypeScript SDK over
// Streamable HTTP, announcing the MCP Apps UI extension) and a small HTTP server on
// 127.0.0.1 that serves the host page (host.html) and a JSON API the page uses, so the
// browser only ever talks to this origin:
//
//   GET  /host.html?tool=NAME[&args=JSON][&csp=0]  the host page
//   POST /api/render      {name, arguments}  tools/call NAME, then the tool's
//                         _meta.ui.resourceUri from tools/list, then resources/read of it
//   POST /api/tools/call  {name, arguments}  a tools/call on behalf of the widget
//   GET  /api/mcp-log     the MCP traffic so far (JSON-RPC method, HTTP status, time)
//
// Answers are {result} or {error: {message, code?, data?}}, with HTTP 200 either way.
//
// Standalone, for poking at a widget in a browser by hand:
//   node tests/browser/host.mjs --mcp-url http://127.0.0.1:8000/mcp [--port 0]

import { readFile } from "node:fs/promises";
import http from "node:http";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export const UI_EXTENSION_ID = "io.modelcontextprotocol/ui";
export const MCP_APP_MIME_TYPE = "text/html;profile=mcp-app";

const HOST_PAGE = fileURLToPath(new URL("./host.html", import.meta.url));
const MAX_BODY_BYTES = 1 << 20;

/**
 * Starts the host. Resolves to {url, mcpLog, close()}; `url` is the origin of the host
 * server (http://127.0.0.1:PORT). The MCP session is opened lazily, on the first API call.
 */
export async function startHost({ mcpUrl, port = 0 }) {
  const mcpEndpoint = new URL(mcpUrl);
  if (!isLoopback(mcpEndpoint.hostname)) {
    throw new Error(`refusing to talk to a non-loopback MCP server: ${mcpUrl}`);
  }

  // Every HTTP exchange with the MCP server: the JSON-RPC method(s) and the HTTP status.
  const mcpLog = [];
  const started = Date.now();
  const loggingFetch = async (input, init = {}) => {
    const entry = { at: Date.now() - started, httpMethod: init.method ?? "GET", methods: [] };
    if (typeof init.body === "string") {
      try {
        const body = JSON.parse(init.body);
        for (const m of Array.isArray(body) ? body : [body]) {
          entry.methods.push(m.method ?? (m.id !== undefined ? `response:${m.id}` : "?"));
          if (m.method === "initialize") entry.params = m.params;
        }
      } catch {
        entry.methods.push("(unparsable body)");
      }
    }
    mcpLog.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    entry.contentType = response.headers.get("content-type");
    return response;
  };

  let client = null;
  let connecting = null;
  let toolsCache = null;

  async function mcp() {
    if (client) return client;
    connecting ??= (async () => {
      const c = new Client(
        { name: "test-host", version: "1" },
        {
          capabilities: {
            extensions: { [UI_EXTENSION_ID]: { mimeTypes: [MCP_APP_MIME_TYPE] } },
          },
        },
      );
      // connect() sends `initialize`, then `notifications/initialized`.
      await c.connect(new StreamableHTTPClientTransport(mcpEndpoint, { fetch: loggingFetch }));
      client = c;
      return c;
    })();
    try {
      return await connecting;
    } finally {
      connecting = null;
    }
  }

  async function listTools() {
    if (!toolsCache) {
      const c = await mcp();
      const tools = [];
      let cursor;
      do {
        const page = await c.listTools(cursor ? { cursor } : {});
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      toolsCache = tools;
    }
    return toolsCache;
  }

  // What a host does to show a widget: call the tool, find its UI resource, read it.
  async function render({ name, arguments: args = {} }) {
    const c = await mcp();
    const toolResult = await c.callTool({ name, arguments: args });
    const tool = (await listTools()).find((t) => t.name === name);
    if (!tool) throw new Error(`tools/list has no tool named ${JSON.stringify(name)}`);
    const resourceUri = tool._meta?.ui?.resourceUri;
    if (typeof resourceUri !== "string") {
      throw new Error(`tool ${name} has no _meta.ui.resourceUri (its _meta: ${JSON.stringify(tool._meta)})`);
    }
    const read = await c.readResource({ uri: resourceUri });
    const content = read.contents?.find((x) => x.uri === resourceUri) ?? read.contents?.[0];
    if (!content) throw new Error(`resources/read ${resourceUri} returned no contents`);
    let html = content.text;
    if (typeof html !== "string" && typeof content.blob === "string") {
      html = Buffer.from(content.blob, "base64").toString("utf8");
    }
    return {
      toolResult,
      tool,
      resourceUri,
      resource: {
        uri: content.uri,
        mimeType: content.mimeType,
        encoding: typeof content.text === "string" ? "text" : "blob",
        html,
        _meta: content._meta,
      },
    };
  }

  async function callTool({ name, arguments: args = {} }) {
    const c = await mcp();
    return c.callTool({ name, arguments: args });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err?.stack ?? err) } });
      else res.destroy();
    });
  });

  async function handle(req, res) {
    const url = new URL(req.url, "http://127.0.0.1");
    if (req.method === "GET" && (url.pathname === "/" || url.pathname === "/host.html")) {
      const page = await readFile(HOST_PAGE);
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
      });
      res.end(page);
      return;
    }
    if (req.method === "GET" && url.pathname === "/api/mcp-log") {
      sendJson(res, 200, { result: mcpLog });
      return;
    }
    if (req.method === "GET" && url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const api = { "/api/render": render, "/api/tools/call": callTool }[url.pathname];
    if (req.method === "POST" && api) {
      let params;
      try {
        params = JSON.parse(await readBody(req));
      } catch (err) {
        sendJson(res, 400, { error: { message: `bad request body: ${err.message}` } });
        return;
      }
      try {
        sendJson(res, 200, { result: await api(params) });
      } catch (err) {
        // McpError carries the JSON-RPC code and data of the server's error.
        sendJson(res, 200, {
          error: { message: describeError(err), code: err?.code, data: err?.data },
        });
      }
      return;
    }
    sendJson(res, 404, { error: { message: `no route for ${req.method} ${url.pathname}` } });
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: boundPort } = server.address();

  return {
    url: `http://127.0.0.1:${boundPort}`,
    mcpLog,
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
      if (client) {
        // Ends the MCP session (HTTP DELETE) before closing the transport.
        await client.transport?.terminateSession?.().catch(() => {});
        await client.close().catch(() => {});
        client = null;
      }
    },
  };
}

// The message with its causes ("fetch failed: connect ECONNREFUSED 127.0.0.1:8000").
function describeError(err) {
  const parts = [];
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    parts.push(e.message ?? String(e));
  }
  return parts.join(": ");
}

function isLoopback(hostname) {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

// Standalone use.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const mcpUrl = opt("--mcp-url") ?? process.env.MCP_URL;
  if (!mcpUrl) {
    console.error("usage: node host.mjs --mcp-url http://127.0.0.1:PORT/mcp [--port N]");
    process.exit(2);
  }
  const host = await startHost({ mcpUrl, port: Number(opt("--port") ?? 0) });
  console.log(`host listening on ${host.url}/host.html?tool=pizza-list (MCP server: ${mcpUrl})`);
  const stop = () => host.close().finally(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
