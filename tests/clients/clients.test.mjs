// Official MCP clients against conformance-server, in each protocol era they support (run by
// scripts/clients.sh):
//
//   - the TypeScript SDK 1.x client (@modelcontextprotocol/sdk): 2025-11-25, initialize;
//   - the TypeScript SDK 2.x client (@modelcontextprotocol/client): its default legacy mode,
//     `auto` (probes server/discover, stays modern), and pinned to 2026-07-28;
//   - the MCP Inspector CLI (@modelcontextprotocol/inspector): --protocol-era legacy, auto and
//     modern.
//
// Each connects and calls tools; where the client can answer them, the tools ask for input:
// a server-to-client request on the call's stream before 2026-07-28, an input-required result
// answered on a retry from then on (the SDK fulfils it through the same request handlers).
//
// Environment:
//   MCP_URL       the server's MCP endpoint, e.g. http://127.0.0.1:3000/mcp (required)
//   INSPECTOR_JS  the Inspector's launcher script (default: the pinned package's)

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const MCP_URL = process.env.MCP_URL;
if (!MCP_URL) throw new Error('MCP_URL must name the server endpoint');
const INSPECTOR_JS =
  process.env.INSPECTOR_JS ??
  fileURLToPath(new URL('./node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js', import.meta.url));

const CLIENT_INFO = { name: 'fastapps-client-test', version: '1.0.0' };
const CAPABILITIES = { elicitation: {}, sampling: {}, roots: {} };

/** The 1.x client registers handlers by request schema, 2.x by method name. */
const V1_SCHEMAS = {
  'elicitation/create': ElicitRequestSchema,
  'sampling/createMessage': CreateMessageRequestSchema,
  'roots/list': ListRootsRequestSchema,
};

/** Answers the server's questions, recording them in `asked`, in order. */
function handlers(client, asked, v1 = false) {
  const on = (method, handler) => client.setRequestHandler(v1 ? V1_SCHEMAS[method] : method, handler);
  on('elicitation/create', async (request) => {
    asked.push(`elicitation: ${request.params.message}`);
    return { action: 'accept', content: { name: 'Ada', username: 'ada', email: 'ada@example.com', color: 'teal' } };
  });
  on('sampling/createMessage', async (request) => {
    asked.push(`sampling: ${request.params.messages[0].content.text}`);
    return { role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'test-model', stopReason: 'endTurn' };
  });
  on('roots/list', async () => {
    asked.push('roots');
    return { roots: [{ uri: 'file:///work', name: 'work' }] };
  });
}

function text(result) {
  assert.equal(result.isError, false, JSON.stringify(result));
  return result.content.find((c) => c.type === 'text')?.text;
}

/** The calls every SDK connection makes, in either era. */
async function exercise(client, asked) {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const name of ['test_simple_text', 'test_input_required_result_elicitation', 'json_schema_2020_12_tool']) {
    assert.ok(names.includes(name), `${name} is listed`);
  }
  assert.equal(text(await client.callTool({ name: 'test_simple_text', arguments: {} })), 'This is a simple text response for testing.');
  assert.equal(text(await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })), 'Hello, Ada!');
  assert.equal(
    text(await client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} })),
    'Ada likes teal',
  );
  assert.equal(text(await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Capital of France?' } })), 'LLM response: Paris');
  assert.match(text(await client.callTool({ name: 'test_input_required_result_list_roots', arguments: {} })), /file:\/\/\/work/);
  const read = await client.readResource({ uri: 'test://static-text' });
  assert.equal(read.contents[0].text, 'This is the content of the static text resource.');
  const prompt = await client.getPrompt({ name: 'test_input_required_result_prompt' });
  assert.equal(prompt.messages[0].content.text, 'Use this context: <none>');
  assert.deepEqual(asked, [
    'elicitation: What is your name?',
    'elicitation: Step 1: What is your name?',
    'elicitation: Step 2: What is your favorite color?',
    'sampling: Capital of France?',
    'roots',
    'elicitation: What context should the prompt use?',
  ]);
}

describe('TypeScript SDK 1.x client (2025-11-25)', () => {
  test('initializes, lists, calls and answers server requests on the stream', async () => {
    const client = new ClientV1(CLIENT_INFO, { capabilities: CAPABILITIES });
    const asked = [];
    handlers(client, asked, true);
    const transport = new TransportV1(new URL(MCP_URL));
    await client.connect(transport);
    try {
      assert.equal(transport.protocolVersion, '2025-11-25');
      assert.ok(transport.sessionId, 'a legacy session');
      await exercise(client, asked);
    } finally {
      await client.close();
    }
  });
});

describe('TypeScript SDK 2.x client', () => {
  for (const [label, mode, era, version] of [
    ['default (legacy) negotiation', 'legacy', 'legacy', '2025-11-25'],
    ["'auto' negotiation", 'auto', 'modern', '2026-07-28'],
    ['pinned to 2026-07-28', { pin: '2026-07-28' }, 'modern', '2026-07-28'],
  ]) {
    test(`${label}: ${era} era`, async () => {
      const client = new Client(CLIENT_INFO, { capabilities: CAPABILITIES, versionNegotiation: { mode } });
      const asked = [];
      handlers(client, asked);
      const transport = new StreamableHTTPClientTransport(new URL(MCP_URL));
      await client.connect(transport);
      try {
        assert.equal(client.getProtocolEra(), era);
        assert.equal(client.getNegotiatedProtocolVersion(), version);
        if (era === 'modern') {
          assert.equal(transport.sessionId, undefined, 'no session in 2026-07-28');
          const discovered = client.getDiscoverResult();
          assert.deepEqual(discovered.supportedVersions, ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26']);
          assert.equal(discovered._meta['io.modelcontextprotocol/serverInfo'].name, 'conformance-server');
        } else {
          assert.ok(transport.sessionId, 'a legacy session');
        }
        await exercise(client, asked);
      } finally {
        await client.close();
      }
    });
  }
});

/** Runs the Inspector CLI; resolves with its exit code, stdout and stderr. */
function inspector(args) {
  const home = mkdtempSync(join(tmpdir(), 'fastapps-inspector-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [INSPECTOR_JS, '--cli', MCP_URL, '--transport', 'http', '--format', 'json', ...args],
      { env: { ...process.env, HOME: home, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        rmSync(home, { recursive: true, force: true });
        resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function inspectorJson(args) {
  const run = await inspector(args);
  assert.equal(run.code, 0, `inspector ${args.join(' ')} exits 0: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe('MCP Inspector CLI', () => {
  for (const era of ['legacy', 'auto', 'modern']) {
    test(`--protocol-era ${era}: lists tools, calls one, reads a resource`, async () => {
      const list = await inspectorJson(['--protocol-era', era, '--method', 'tools/list']);
      assert.ok(list.result.tools.some((t) => t.name === 'test_simple_text'), JSON.stringify(list).slice(0, 200));
      const call = await inspectorJson([
        '--protocol-era', era, '--method', 'tools/call', '--tool-name', 'test_header_param',
        '--tool-arg', 'region=eu-north1',
      ]);
      assert.deepEqual(call.result.content, [{ type: 'text', text: 'Region: eu-north1' }]);
      const read = await inspectorJson(['--protocol-era', era, '--method', 'resources/read', '--uri', 'test://static-text']);
      assert.equal(read.result.contents[0].text, 'This is the content of the static text resource.');
    });
  }

  test('a failing tool exits 5 in both eras', async () => {
    for (const era of ['legacy', 'modern']) {
      const run = await inspector(['--protocol-era', era, '--method', 'tools/call', '--tool-name', 'test_error_handling']);
      assert.equal(run.code, 5, `${era}: ${run.stdout} ${run.stderr}`);
    }
  });
});
