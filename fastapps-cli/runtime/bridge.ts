// Host bridge for fastapps widgets: one small API over the two ways a host talks to a widget.
//
// - ChatGPT (Apps SDK) injects `window.openai`: globals to read, an `openai:set_globals` event
//   for updates, and methods to call.
// - MCP Apps hosts speak JSON-RPC 2.0 over `window.parent.postMessage` (`ui/initialize`, then
//   `ui/notifications/*` in, `tools/call` / `ui/*` requests out).
//
// `getBridge()` picks one when first called and returns the same object afterwards. Its state is
// an immutable snapshot replaced on every change, so React's `useSyncExternalStore` can read it.
// No imports: this file is copied verbatim into new projects.

export type Theme = "light" | "dark";
export type DisplayMode = "inline" | "pip" | "fullscreen";
/** Which protocol the bridge speaks; "none" when the page has no host (opened directly). */
export type HostKind = "openai" | "mcp-apps" | "none";

export type ContentBlock = { type: string; text?: string; [key: string]: unknown };

/** The MCP `CallToolResult`, as both hosts hand it to widgets. */
export interface CallToolResult {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
  isError?: boolean;
}

/** Everything a widget reads from its host. Replaced as a whole on every change. */
export interface HostState {
  host: HostKind;
  /** Arguments of the tool call that rendered the widget. */
  toolInput: Record<string, unknown> | null;
  /** The result's `structuredContent`; null until the result arrives. */
  toolOutput: unknown;
  /** The result's `_meta` (widget-only data the model never sees). */
  toolResponseMetadata: Record<string, unknown> | null;
  /** The whole result (MCP Apps: as sent; ChatGPT: rebuilt from the globals). */
  toolResult: CallToolResult | null;
  /** Set when the host cancelled the tool call (MCP Apps `ui/notifications/tool-cancelled`). */
  toolCancelled: { reason?: string } | null;
  widgetState: unknown;
  theme: Theme;
  locale: string;
  displayMode: DisplayMode;
  /** Most height the host gives the widget, in CSS pixels, if it says. */
  maxHeight: number | null;
}

export interface Bridge {
  readonly host: HostKind;
  getState(): HostState;
  /** Calls `listener` after every state change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Calls a server tool; resolves with its result (check `isError`), rejects on transport errors. */
  callTool(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Posts a user message into the conversation. */
  sendMessage(text: string): Promise<void>;
  /** Asks the host to open a URL (the sandbox blocks plain navigation). */
  openLink(url: string): Promise<void>;
  /** Persists UI state; the model sees it (MCP Apps: via `ui/update-model-context`). */
  setWidgetState(state: unknown): Promise<void>;
  /** Resolves with the mode the host actually granted. */
  requestDisplayMode(mode: DisplayMode): Promise<DisplayMode>;
  /** MCP Apps only (`ui/update-model-context`); resolves without effect elsewhere. */
  updateModelContext(context: { content?: ContentBlock[]; structuredContent?: Record<string, unknown> }): Promise<void>;
  // Convenience getters for the current snapshot.
  readonly toolInput: HostState["toolInput"];
  readonly toolOutput: HostState["toolOutput"];
  readonly toolResponseMetadata: HostState["toolResponseMetadata"];
  readonly widgetState: HostState["widgetState"];
  readonly theme: Theme;
  readonly locale: string;
  readonly displayMode: DisplayMode;
}

/** The part of ChatGPT's `window.openai` this bridge uses. */
export interface OpenAiGlobals {
  toolInput?: Record<string, unknown> | null;
  toolOutput?: unknown;
  toolResponseMetadata?: Record<string, unknown> | null;
  widgetState?: unknown;
  theme?: Theme;
  locale?: string;
  displayMode?: DisplayMode;
  maxHeight?: number;
}
export interface OpenAiApi extends OpenAiGlobals {
  callTool(name: string, args: Record<string, unknown>): Promise<unknown>;
  setWidgetState(state: unknown): Promise<void>;
  sendFollowUpMessage(args: { prompt: string }): Promise<void>;
  openExternal(args: { href: string }): void;
  requestDisplayMode(args: { mode: DisplayMode }): Promise<{ mode: DisplayMode }>;
  notifyIntrinsicHeight?(height: number): void;
}

declare global {
  interface Window {
    openai?: OpenAiApi;
  }
}

const APP_VERSION = "1.0.0";
/** The MCP Apps protocol version (independent of the core MCP version). */
const MCP_APPS_PROTOCOL = "2026-01-26";

let bridge: Bridge | undefined;

/** The bridge for this page; created on first use. */
export function getBridge(): Bridge {
  if (!bridge) {
    if (window.openai) bridge = openAiBridge(window.openai);
    else if (window.parent !== window) bridge = mcpAppsBridge();
    else bridge = createBridge("none", noHost()); // nobody to talk to: an empty, inert state
  }
  return bridge;
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing: the store and the public object.

interface Store {
  get(): HostState;
  set(patch: Partial<HostState>): void;
  subscribe(listener: () => void): () => void;
}

function createStore(initial: HostState): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...patch };
      listeners.forEach((l) => l());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function defaultState(host: HostKind): HostState {
  const dark = typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
  return {
    host,
    toolInput: null,
    toolOutput: null,
    toolResponseMetadata: null,
    toolResult: null,
    toolCancelled: null,
    widgetState: null,
    theme: dark ? "dark" : "light",
    locale: navigator.language || "en-US",
    displayMode: "inline",
    maxHeight: null,
  };
}

type Methods = Omit<Bridge, "host" | "getState" | "subscribe" | keyof HostState> & {
  store: Store;
};

function createBridge(host: HostKind, { store, ...methods }: Methods): Bridge {
  return {
    host,
    getState: store.get,
    subscribe: store.subscribe,
    ...methods,
    get toolInput() { return store.get().toolInput; },
    get toolOutput() { return store.get().toolOutput; },
    get toolResponseMetadata() { return store.get().toolResponseMetadata; },
    get widgetState() { return store.get().widgetState; },
    get theme() { return store.get().theme; },
    get locale() { return store.get().locale; },
    get displayMode() { return store.get().displayMode; },
  };
}

function noHost(): Methods {
  const fail = () => Promise.reject(new Error("fastapps: no host (the page is not embedded in ChatGPT or an MCP Apps host)"));
  const store = createStore(defaultState("none"));
  return {
    store,
    callTool: fail,
    sendMessage: fail,
    openLink: fail,
    requestDisplayMode: fail,
    updateModelContext: () => Promise.resolve(),
    setWidgetState: (widgetState) => (store.set({ widgetState }), Promise.resolve()),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reports the document's size whenever it changes, coalescing bursts of layout changes. */
function observeSize(report: (width: number, height: number) => void): void {
  if (typeof ResizeObserver !== "function") return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = "";
  const send = () => {
    // The <html> box is as tall as the content (unlike scrollHeight, which never drops below
    // the iframe's height), so the host can shrink the frame as well as grow it.
    const rect = document.documentElement.getBoundingClientRect();
    const width = Math.ceil(rect.width);
    const height = Math.ceil(rect.height);
    if (`${width}x${height}` === last) return;
    last = `${width}x${height}`;
    report(width, height);
  };
  new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(send, 50);
  }).observe(document.documentElement);
}

// ---------------------------------------------------------------------------------------------
// ChatGPT: `window.openai`.

function openAiBridge(openai: OpenAiApi): Bridge {
  const read = (globals: OpenAiGlobals): Partial<HostState> => {
    const patch: Partial<HostState> = {};
    if ("toolInput" in globals) patch.toolInput = globals.toolInput ?? null;
    if ("toolOutput" in globals) patch.toolOutput = globals.toolOutput ?? null;
    if ("toolResponseMetadata" in globals) patch.toolResponseMetadata = globals.toolResponseMetadata ?? null;
    if ("widgetState" in globals) patch.widgetState = globals.widgetState ?? null;
    if (globals.theme) patch.theme = globals.theme;
    if (globals.locale) patch.locale = globals.locale;
    if (globals.displayMode) patch.displayMode = globals.displayMode;
    if (typeof globals.maxHeight === "number") patch.maxHeight = globals.maxHeight;
    return patch;
  };
  const snapshot = (): OpenAiGlobals => ({
    toolInput: openai.toolInput,
    toolOutput: openai.toolOutput,
    toolResponseMetadata: openai.toolResponseMetadata,
    widgetState: openai.widgetState,
    theme: openai.theme,
    locale: openai.locale,
    displayMode: openai.displayMode,
    maxHeight: openai.maxHeight,
  });
  // ChatGPT has no "tool result" global; rebuild one so `toolResult` means the same everywhere
  // (only when its parts change, so subscribers see a stable object).
  const update = (patch: Partial<HostState>) => {
    const prev = store.get();
    const next = { ...prev, ...patch };
    if (next.toolOutput !== prev.toolOutput || next.toolResponseMetadata !== prev.toolResponseMetadata || !prev.toolResult) {
      patch.toolResult =
        next.toolOutput == null
          ? null
          : {
              content: [],
              structuredContent: isObject(next.toolOutput) ? next.toolOutput : undefined,
              _meta: next.toolResponseMetadata ?? undefined,
            };
    }
    store.set(patch);
  };

  const store = createStore(defaultState("openai"));
  update(read(snapshot()));
  window.addEventListener("openai:set_globals", (event) => {
    // The event carries the changed globals; `window.openai` is re-read for the rest.
    const detail = (event as CustomEvent<{ globals?: OpenAiGlobals }>).detail;
    update(read({ ...snapshot(), ...(detail?.globals ?? {}) }));
  });
  observeSize((_, height) => openai.notifyIntrinsicHeight?.(height));

  return createBridge("openai", {
    store,
    callTool: async (name, args = {}) => normalizeResult(await openai.callTool(name, args)),
    sendMessage: (prompt) => openai.sendFollowUpMessage({ prompt }),
    openLink: async (href) => openai.openExternal({ href }),
    async setWidgetState(widgetState) {
      store.set({ widgetState }); // show it at once; set_globals confirms later
      await openai.setWidgetState(widgetState);
    },
    async requestDisplayMode(mode) {
      const granted = (await openai.requestDisplayMode({ mode }))?.mode ?? mode;
      store.set({ displayMode: granted });
      return granted;
    },
    updateModelContext: () => Promise.resolve(),
  });
}

/** ChatGPT's `callTool` answer as a CallToolResult (older hosts answer `{result: string}`). */
function normalizeResult(raw: unknown): CallToolResult {
  if (isObject(raw) && ("structuredContent" in raw || "content" in raw || "isError" in raw)) {
    return {
      content: Array.isArray(raw.content) ? (raw.content as ContentBlock[]) : [],
      structuredContent: isObject(raw.structuredContent) ? raw.structuredContent : undefined,
      _meta: isObject(raw._meta) ? raw._meta : isObject(raw.meta) ? raw.meta : undefined,
      isError: raw.isError === true || undefined,
    };
  }
  if (isObject(raw) && typeof raw.result === "string") {
    let structuredContent: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(raw.result);
      if (isObject(parsed)) structuredContent = parsed;
    } catch {
      // plain text, not JSON
    }
    return { content: [{ type: "text", text: raw.result }], structuredContent };
  }
  return { content: [], structuredContent: isObject(raw) ? raw : undefined };
}

// ---------------------------------------------------------------------------------------------
// MCP Apps: JSON-RPC 2.0 over postMessage with the parent window.

interface HostContext {
  theme?: Theme;
  locale?: string;
  displayMode?: DisplayMode;
  containerDimensions?: { width?: number; height?: number; maxWidth?: number; maxHeight?: number };
}

function mcpAppsBridge(): Bridge {
  const store = createStore(defaultState("mcp-apps"));
  const pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  let nextId = 1;

  const post = (message: Record<string, unknown>) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  const notify = (method: string, params: Record<string, unknown> = {}) => post({ method, params });
  const send = (method: string, params: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      post({ id, method, params });
    });

  const applyContext = (context: unknown) => {
    if (!isObject(context)) return;
    const c = context as HostContext;
    const patch: Partial<HostState> = {};
    if (c.theme === "light" || c.theme === "dark") patch.theme = c.theme;
    if (typeof c.locale === "string") patch.locale = c.locale;
    if (c.displayMode) patch.displayMode = c.displayMode;
    const dims = c.containerDimensions;
    const maxHeight = dims?.maxHeight ?? dims?.height;
    if (typeof maxHeight === "number") patch.maxHeight = maxHeight;
    store.set(patch);
  };

  window.addEventListener("message", (event: MessageEvent) => {
    if (event.source !== window.parent) return; // only the host may talk to us
    const msg = event.data;
    if (!isObject(msg) || msg.jsonrpc !== "2.0") return;
    const params = isObject(msg.params) ? msg.params : {};

    // A response to one of our requests.
    if (typeof msg.method !== "string") {
      const waiter = typeof msg.id === "number" ? pending.get(msg.id) : undefined;
      if (!waiter) return;
      pending.delete(msg.id as number);
      if (isObject(msg.error)) {
        const error = new Error(String(msg.error.message ?? "JSON-RPC error")) as Error & { code?: unknown; data?: unknown };
        error.code = msg.error.code;
        error.data = msg.error.data;
        waiter.reject(error);
      } else {
        waiter.resolve(msg.result);
      }
      return;
    }

    // A request from the host: answer it.
    if ("id" in msg && msg.id !== null) {
      if (msg.method === "ui/resource-teardown" || msg.method === "ping") post({ id: msg.id, result: {} });
      else post({ id: msg.id, error: { code: -32601, message: `Method not found: ${msg.method}` } });
      return;
    }

    // A notification.
    switch (msg.method) {
      case "ui/notifications/tool-input":
        store.set({ toolInput: isObject(params.arguments) ? params.arguments : {} });
        break;
      case "ui/notifications/tool-result": {
        const result = params as unknown as CallToolResult;
        store.set({
          toolResult: result,
          toolOutput: result.structuredContent ?? null,
          toolResponseMetadata: result._meta ?? null,
          toolCancelled: null,
        });
        break;
      }
      case "ui/notifications/tool-cancelled":
        store.set({ toolCancelled: typeof params.reason === "string" ? { reason: params.reason } : {} });
        break;
      case "ui/notifications/host-context-changed":
        applyContext(params); // a partial HostContext
        break;
    }
  });

  // Handshake: the host sends nothing before `initialized` and may refuse requests until then,
  // so every other request waits for it.
  const ready = send("ui/initialize", {
    appInfo: { name: widgetName(), version: APP_VERSION },
    appCapabilities: {},
    protocolVersion: MCP_APPS_PROTOCOL,
  }).then((result) => {
    if (isObject(result)) applyContext(result.hostContext);
    notify("ui/notifications/initialized");
    observeSize((width, height) => notify("ui/notifications/size-changed", { width, height }));
  });
  ready.catch(() => {}); // surfaced by each request below, not as an unhandled rejection
  const request = (method: string, params: Record<string, unknown>) => ready.then(() => send(method, params));
  // `ui/message` and `ui/open-link` report refusal as a result with `isError: true`.
  const requestOk = async (method: string, params: Record<string, unknown>) => {
    const result = await request(method, params);
    if (isObject(result) && result.isError === true) throw new Error(`${method} was refused by the host`);
  };

  return createBridge("mcp-apps", {
    store,
    async callTool(name, args = {}) {
      const result = await request("tools/call", { name, arguments: args });
      return isObject(result) ? (result as unknown as CallToolResult) : { content: [] };
    },
    sendMessage: (text) => requestOk("ui/message", { role: "user", content: [{ type: "text", text }] }),
    openLink: (url) => requestOk("ui/open-link", { url }),
    async setWidgetState(widgetState) {
      // No widget-state store in MCP Apps: keep it here and tell the model about it.
      store.set({ widgetState });
      await request("ui/update-model-context", modelContext(widgetState));
    },
    async requestDisplayMode(mode) {
      const result = await request("ui/request-display-mode", { mode });
      const granted = isObject(result) && typeof result.mode === "string" ? (result.mode as DisplayMode) : mode;
      store.set({ displayMode: granted });
      return granted;
    },
    updateModelContext: async (context) => void (await request("ui/update-model-context", context)),
  });
}

/** The widget's name, from its mount point `<div id="<name>-root">`. */
function widgetName(): string {
  const root = document.querySelector("body > [id$='-root']");
  return root ? root.id.slice(0, -"-root".length) : "fastapps-widget";
}

/** `ui/update-model-context` params for a widget state: objects as structuredContent, else text. */
function modelContext(state: unknown): Record<string, unknown> {
  if (isObject(state)) return { structuredContent: state };
  return { content: state == null ? [] : [{ type: "text", text: JSON.stringify(state) }] };
}
