// The {{id}} widget: a list with a search box and starred items kept in the widget state.
import { useState } from "react";
import { useCallTool, useTheme, useToolOutput, useWidgetState } from "fastapps";
import "./style.css";

interface Item {
  id: string;
  title: string;
  detail: string;
}

/** What the `{{id}}` tool returns as `structuredContent`. */
interface Output {
  query: string;
  items: Item[];
}

export default function {{struct}}() {
  const output = useToolOutput<Output>();
  const theme = useTheme();
  const [state, setState] = useWidgetState<{ starred: string[] }>({ starred: [] });
  const callTool = useCallTool();
  const [searched, setSearched] = useState<Output | null>(null);
  const [query, setQuery] = useState("");

  if (!output) return <p className="{{id}}-empty">Loading…</p>;
  const shown = searched ?? output;

  const toggle = (id: string) =>
    setState({ starred: state.starred.includes(id) ? state.starred.filter((s) => s !== id) : [...state.starred, id] });

  async function search() {
    // The widget calls its own tool (it is `widget_accessible`) through the host.
    const result = await callTool("{{id}}", { query });
    if (!result.isError) setSearched(result.structuredContent as unknown as Output);
  }

  return (
    <main className={`{{id}} {{id}}-${theme}`}>
      <form
        className="{{id}}-search"
        onSubmit={(event) => {
          event.preventDefault();
          void search();
        }}
      >
        <input data-testid="query" value={query} placeholder="Search" onChange={(e) => setQuery(e.target.value)} />
        <button type="submit">Search</button>
      </form>
      {shown.items.length === 0 ? (
        <p className="{{id}}-empty" data-testid="empty">
          Nothing matches “{shown.query}”.
        </p>
      ) : (
        <ol className="{{id}}-items">
          {shown.items.map((item) => (
            <li key={item.id} data-testid="item">
              <div>
                <strong>{item.title}</strong>
                <span>{item.detail}</span>
              </div>
              <button aria-label="star" aria-pressed={state.starred.includes(item.id)} onClick={() => toggle(item.id)}>
                {state.starred.includes(item.id) ? "★" : "☆"}
              </button>
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
