// Pieces the three pizzaz widgets share: the tool output types, the details call and the card.

import { useCallback, useState, type ReactNode } from "react";
import { useCallTool, useHostState, useLocale, useTheme, type CallToolResult } from "fastapps";
import "./pizza.css";

/** A pizza place, as the server's `Place` serializes. */
export interface Place {
  id: string;
  name: string;
  city: string;
  rating: number;
  /** 1 to 4 */
  price: number;
  toppings: string[];
  lat: number;
  lng: number;
  description: string;
}

/** structuredContent of pizza-list and pizza-carousel. */
export interface PlacesOutput {
  topping: string | null;
  places: Place[];
}

/** structuredContent of pizza-map. */
export interface MapOutput extends PlacesOutput {
  center: { lat: number; lng: number };
  zoom: number;
}

/** The place's topping matching the requested one (case-insensitive), if any. */
export function matchingTopping(place: Place, topping: string | null | undefined): string | undefined {
  const wanted = topping?.trim().toLowerCase();
  return wanted ? place.toppings.find((t) => t.toLowerCase() === wanted) : undefined;
}

export type Details =
  | { status: "loading" }
  | { status: "done"; description: string }
  | { status: "error"; message: string };

/** Details per place id, and a function that fetches them with the `pizza_details` tool. */
export function usePlaceDetails(): [Record<string, Details>, (placeId: string) => void] {
  const callTool = useCallTool();
  const [details, setDetails] = useState<Record<string, Details>>({});
  const load = useCallback(
    (placeId: string) => {
      const set = (d: Details) => setDetails((all) => ({ ...all, [placeId]: d }));
      set({ status: "loading" });
      callTool("pizza_details", { placeId }).then(
        (result) => {
          const description = result.structuredContent?.description;
          if (!result.isError && typeof description === "string") set({ status: "done", description });
          else set({ status: "error", message: resultText(result) || "No details came back." });
        },
        (error: unknown) => set({ status: "error", message: error instanceof Error ? error.message : String(error) }),
      );
    },
    [callTool],
  );
  return [details, load];
}

function resultText(result: CallToolResult): string {
  return result.content
    .map((c) => (c.type === "text" && typeof c.text === "string" ? c.text : ""))
    .join(" ")
    .trim();
}

function formatRating(rating: number, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(rating);
  } catch {
    return rating.toFixed(1); // an unknown locale tag
  }
}

export function price(level: number): string {
  return "$".repeat(Math.min(4, Math.max(1, Math.round(level))));
}

interface CardProps {
  place: Place;
  topping: string | null | undefined;
  details: Details | undefined;
  onDetails: (placeId: string) => void;
  /** Shown before the name (the list's rank). */
  leading?: ReactNode;
  /** Shown above the text (the carousel's picture). */
  media?: ReactNode;
  /** Hide the Details button (the map shows it on the selected card only). */
  hideDetailsButton?: boolean;
  selected?: boolean;
  onSelect?: (placeId: string) => void;
  className?: string;
}

/** One place: name, neighbourhood, rating, price, toppings, and a Details button. */
export function PlaceCard(props: CardProps) {
  const { place, topping, details, onDetails, leading, media, hideDetailsButton, selected, onSelect, className } = props;
  const locale = useLocale();
  const match = matchingTopping(place, topping);
  const classes = ["pz-card", match && "pz-card--match", selected && "pz-card--selected", className].filter(Boolean);
  return (
    <article
      className={classes.join(" ")}
      data-testid="place"
      data-place-id={place.id}
      data-highlighted={match ? "true" : undefined}
      data-selected={selected ? "true" : undefined}
      onClick={onSelect && (() => onSelect(place.id))}
    >
      {media}
      <div className="pz-card__body">
        <div className="pz-card__head">
          {leading}
          <h3 className="pz-card__name" data-testid="place-name">
            {place.name}
          </h3>
          {match && (
            <span className="pz-badge" data-testid="highlighted" title={`Known for ${match}`}>
              {match}
            </span>
          )}
        </div>
        <div className="pz-card__meta">
          <span className="pz-card__city">{place.city}</span>
          <span className="pz-card__rating" aria-label={`Rated ${place.rating} of 5`}>
            ★ {formatRating(place.rating, locale)}
          </span>
          <span className="pz-card__price" aria-label={`Price level ${place.price} of 4`}>
            {price(place.price)}
          </span>
        </div>
        <p className="pz-card__toppings">{place.toppings.join(" · ")}</p>
        {!hideDetailsButton && (
          <button
            type="button"
            className="pz-button"
            data-testid="details-button"
            disabled={details?.status === "loading"}
            aria-busy={details?.status === "loading"}
            onClick={(event) => {
              event.stopPropagation(); // not also a card selection
              onDetails(place.id);
            }}
          >
            {details?.status === "loading" ? "Loading…" : "Details"}
          </button>
        )}
        {details?.status === "done" && (
          <p className="pz-card__details" data-testid="details-text">
            {details.description}
          </p>
        )}
        {details?.status === "error" && (
          <p className="pz-card__error" role="alert">
            {details.message}
          </p>
        )}
      </div>
    </article>
  );
}

interface ShellProps {
  /** The widget's own class, for its stylesheet. */
  className: string;
  title: string;
  output: PlacesOutput | null;
  actions?: ReactNode;
  children: (places: Place[]) => ReactNode;
}

/** The widget frame: theme, heading, and the waiting / empty states around the content. */
export function Shell({ className, title, output, actions, children }: ShellProps) {
  const theme = useTheme();
  const cancelled = useHostState("toolCancelled");
  const places = output && Array.isArray(output.places) ? output.places : null;
  const topping = output?.topping?.trim();
  return (
    <div className={`pz ${className}`} data-theme={theme}>
      <header className="pz-header">
        <div>
          <h2 className="pz-title">{title}</h2>
          {topping && <p className="pz-subtitle">Favouring {topping}</p>}
        </div>
        {actions}
      </header>
      {places === null ? (
        <div className="pz-empty" data-testid="loading" aria-live="polite">
          {cancelled ? "The request was cancelled." : "Loading pizza places…"}
        </div>
      ) : places.length === 0 ? (
        <div className="pz-empty" data-testid="empty">
          No pizza places found.
        </div>
      ) : (
        children(places)
      )}
    </div>
  );
}

/** A small drawn pizza; the toppings' layout is derived from the id, so each place differs. */
export function PizzaArt({ seed, highlighted }: { seed: string; highlighted?: boolean }) {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const dots = Array.from({ length: 7 }, (_, i) => {
    const angle = ((h >>> (i * 3)) % 360) * (Math.PI / 180) + i * 0.9;
    const radius = 10 + ((h >>> i) % 16);
    return { x: 40 + Math.cos(angle) * radius, y: 40 + Math.sin(angle) * radius };
  });
  return (
    <svg className="pz-art" viewBox="0 0 80 80" aria-hidden="true">
      <circle cx="40" cy="40" r="34" fill="#d9a25b" />
      <circle cx="40" cy="40" r="29" fill="#f4d27a" />
      {dots.map((d, i) => (
        <circle key={i} cx={d.x} cy={d.y} r="4.5" fill={highlighted ? "#c0392b" : "#b5462e"} opacity="0.9" />
      ))}
      <circle cx="31" cy="30" r="2" fill="#4f8a3a" />
      <circle cx="50" cy="52" r="2" fill="#4f8a3a" />
    </svg>
  );
}
