// The {{id}} widget: album covers in a grid; opening one shows its tracks and can ask the host
// for fullscreen.
import { useDisplayMode, useRequestDisplayMode, useTheme, useToolOutput, useWidgetState } from "fastapps";
import "./style.css";

interface Album {
  id: string;
  title: string;
  artist: string;
  year: number;
  tracks: string[];
}

/** What the `{{id}}` tool returns as `structuredContent`. */
interface Output {
  albums: Album[];
}

/** A cover drawn from the album's name, so the widget needs no image host. */
function cover(id: string): string {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  return `linear-gradient(135deg, hsl(${hash} 70% 45%), hsl(${(hash + 60) % 360} 70% 30%))`;
}

export default function {{struct}}() {
  const output = useToolOutput<Output>();
  const theme = useTheme();
  const displayMode = useDisplayMode();
  const requestDisplayMode = useRequestDisplayMode();
  // The open album survives a reload of the widget (and the model sees it).
  const [state, setState] = useWidgetState<{ open: string | null }>({ open: null });

  if (!output) return <p className="{{id}}-empty">Loading…</p>;
  const open = output.albums.find((a) => a.id === state.open);

  if (open) {
    return (
      <main className={`{{id}} {{id}}-${theme}`}>
        <header className="{{id}}-bar">
          <button onClick={() => setState({ open: null })}>‹ All albums</button>
          {displayMode !== "fullscreen" && (
            <button onClick={() => void requestDisplayMode("fullscreen")}>Fullscreen</button>
          )}
        </header>
        <div className="{{id}}-detail">
          <div className="{{id}}-cover" style={{ background: cover(open.id) }} />
          <div>
            <h2 data-testid="album-title">{open.title}</h2>
            <p>
              {open.artist} · {open.year}
            </p>
            <ol data-testid="tracks">
              {open.tracks.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ol>
          </div>
        </div>
      </main>
    );
  }

  return (
    <main className={`{{id}} {{id}}-${theme}`}>
      {output.albums.length === 0 && <p className="{{id}}-empty">No albums.</p>}
      <div className="{{id}}-grid">
        {output.albums.map((album) => (
          <button key={album.id} data-testid="album" className="{{id}}-tile" onClick={() => setState({ open: album.id })}>
            <div className="{{id}}-cover" style={{ background: cover(album.id) }} />
            <strong>{album.title}</strong>
            <span>{album.artist}</span>
          </button>
        ))}
      </div>
    </main>
  );
}
