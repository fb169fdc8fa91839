// React hooks over the host bridge. Each hook subscribes to one field of the bridge's snapshot
// through `useSyncExternalStore`, so a component re-renders only when that field changes.

import { useCallback, useState, useSyncExternalStore } from "react";
import { getBridge, type CallToolResult, type DisplayMode, type HostState, type Theme } from "./bridge";

/** One field of the host state, kept current. */
export function useHostState<K extends keyof HostState>(key: K): HostState[K] {
  const bridge = getBridge();
  const read = () => bridge.getState()[key];
  return useSyncExternalStore(bridge.subscribe, read, read);
}

/** The tool result's `structuredContent`; null until it arrives. */
export function useToolOutput<T = Record<string, unknown>>(): T | null {
  return (useHostState("toolOutput") as T | null | undefined) ?? null;
}

/** The arguments of the tool call that rendered the widget. */
export function useToolInput<T = Record<string, unknown>>(): T | null {
  return useHostState("toolInput") as T | null;
}

/** The tool result's `_meta`: data for the widget that the model never sees. */
export function useToolResponseMetadata<T = Record<string, unknown>>(): T | null {
  return useHostState("toolResponseMetadata") as T | null;
}

/** The whole tool result (content, structuredContent, _meta, isError); null until it arrives. */
export function useToolResult(): CallToolResult | null {
  return useHostState("toolResult");
}

export function useTheme(): Theme {
  return useHostState("theme");
}

export function useLocale(): string {
  return useHostState("locale");
}

export function useDisplayMode(): DisplayMode {
  return useHostState("displayMode");
}

export function useMaxHeight(): number | null {
  return useHostState("maxHeight");
}

/**
 * Widget state that survives re-renders of the widget by the host and that the model can see.
 * Like `useState`: returns `[state, setState]`; `setState` takes a value or an updater.
 */
export function useWidgetState<T>(initial: T | (() => T)): [T, (next: T | ((prev: T) => T)) => void] {
  const [fallback] = useState(initial); // evaluated once, like useState's initializer
  const stored = useHostState("widgetState") as T | null;
  const setState = useCallback(
    (next: T | ((prev: T) => T)) => {
      const bridge = getBridge();
      const prev = (bridge.getState().widgetState as T | null) ?? fallback;
      const value = typeof next === "function" ? (next as (prev: T) => T)(prev) : next;
      // Hosts may refuse (or not know) the request; the local state is updated regardless.
      bridge.setWidgetState(value).catch((error) => console.warn("fastapps: setWidgetState failed", error));
    },
    [fallback],
  );
  return [stored ?? fallback, setState];
}

/** `(name, args) => Promise<CallToolResult>`; check `isError` on the result. */
export function useCallTool(): (name: string, args?: Record<string, unknown>) => Promise<CallToolResult> {
  return useCallback((name, args) => getBridge().callTool(name, args), []);
}

/** `(text) => Promise<void>`: posts a user message into the conversation. */
export function useSendMessage(): (text: string) => Promise<void> {
  return useCallback((text) => getBridge().sendMessage(text), []);
}

/** `(url) => Promise<void>`: asks the host to open a link. */
export function useOpenLink(): (url: string) => Promise<void> {
  return useCallback((url) => getBridge().openLink(url), []);
}

/** `(mode) => Promise<DisplayMode>`: asks for inline, pip or fullscreen; resolves with the granted mode. */
export function useRequestDisplayMode(): (mode: DisplayMode) => Promise<DisplayMode> {
  return useCallback((mode) => getBridge().requestDisplayMode(mode), []);
}
