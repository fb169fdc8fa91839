// The {{id}} widget: a carousel of cards with previous/next buttons.
import { useEffect, useRef, useState } from "react";
import { useTheme, useToolOutput } from "fastapps";
import "./style.css";

interface Card {
  id: string;
  title: string;
  caption: string;
  color: string;
}

/** What the `{{id}}` tool returns as `structuredContent`. */
interface Output {
  cards: Card[];
  start: number;
}

export default function {{struct}}() {
  const output = useToolOutput<Output>();
  const theme = useTheme();
  const [index, setIndex] = useState(0);
  const track = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (output) setIndex(Math.min(Math.max(output.start, 0), output.cards.length - 1));
  }, [output]);
  useEffect(() => {
    track.current?.children[index]?.scrollIntoView({ behavior: "smooth", block: "nearest", inline: "start" });
  }, [index]);

  if (!output) return <p className="{{id}}-empty">Loading…</p>;
  const last = output.cards.length - 1;

  return (
    <main className={`{{id}} {{id}}-${theme}`}>
      <div className="{{id}}-track" ref={track}>
        {output.cards.map((card, i) => (
          <article
            key={card.id}
            data-testid="card"
            data-current={i === index}
            className="{{id}}-card"
            style={{ background: card.color }}
            onClick={() => setIndex(i)}
          >
            <h2>{card.title}</h2>
            <p>{card.caption}</p>
          </article>
        ))}
      </div>
      <nav className="{{id}}-nav">
        <button aria-label="previous" disabled={index === 0} onClick={() => setIndex(index - 1)}>
          ‹
        </button>
        <span data-testid="position">
          {index + 1} / {output.cards.length}
        </span>
        <button aria-label="next" disabled={index === last} onClick={() => setIndex(index + 1)}>
          ›
        </button>
      </nav>
    </main>
  );
}
