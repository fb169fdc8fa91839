// The `fastapps` widget runtime: a host bridge (ChatGPT's `window.openai` or the MCP Apps
// `ui/*` postMessage protocol) and React hooks on top of it. Widgets import it as "fastapps".

export * from "./bridge";
export * from "./hooks";
