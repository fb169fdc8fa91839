// The {{id}} widget. `fastapps build` mounts this component and inlines it into
// assets/{{id}}-<hash>.html; the server serves that as ui://widget/{{id}}.html.
import { useState } from "react";
import { useCallTool, useTheme, useToolOutput, useWidgetState } from "fastapps";
import "./style.css";

/** What the `{{id}}` tool returns as `structuredContent`. */
interface Output {
  greeting: string;
  name: string;
  user: string | null;
}

export default function {{struct}}() {
  const output = useToolOutput<Output>();
  const theme = useTheme();
  // Kept by the host with the conversation (ChatGPT shows it to the model).
  const [state, setState] = useWidgetState({ waves: 0 });
  const callTool = useCallTool();
  const [name, setName] = useState("");
  // A greeting fetched by the widget itself, replacing the one the tool call rendered.
  const [again, setAgain] = useState<Output | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (!output) return <p className="{{id}}-loading">Loading…</p>;
  const shown = again ?? output;

  async function greet() {
    setError(null);
    try {
      // The widget calls its own tool (it is `widget_accessible`) through the host.
      const result = await callTool("{{id}}", { name });
      if (result.isError) setError(result.content.map((c) => c.text ?? "").join(" ") || "the call failed");
      else setAgain(result.structuredContent as unknown as Output);
    } catch (err) {
      setError(String(err instanceof Error ? err.message : err));
    }
  }

  return (
    <main className={`{{id}} {{id}}-${theme}`}>
      <h1 data-testid="greeting">{shown.greeting}</h1>
      {shown.user && <p data-testid="user">Signed in as {shown.user}</p>}
      <form
        className="{{id}}-row"
        onSubmit={(event) => {
          event.preventDefault();
          void greet();
        }}
      >
        <input data-testid="name" value={name} placeholder="Another name" onChange={(e) => setName(e.target.value)} />
        <button data-testid="greet" type="submit">
          Greet
        </button>
        <button data-testid="wave" type="button" onClick={() => setState({ waves: state.waves + 1 })}>
          Wave ({state.waves})
        </button>
      </form>
      {error && (
        <p className="{{id}}-error" data-testid="error">
          {error}
        </p>
      )}
    </main>
  );
}
