// pizza-map: a drawn map (SVG, no tiles: the widget CSP allows no network) with a pin per place,
// and the places beside it; selecting a pin or a card shows that place's Details button.

import { useEffect, useRef, type KeyboardEvent } from "react";
import { useDisplayMode, useHostState, useRequestDisplayMode, useToolOutput, useWidgetState } from "fastapps";
import { PlaceCard, Shell, matchingTopping, usePlaceDetails, type MapOutput, type Place } from "../_shared/pizza";
import "./pizza-map.css";

const WIDTH = 480;
const HEIGHT = 300;
const PAD = 28;

/** Web Mercator: lat/lng to world pixels at `zoom` (256-pixel tiles). */
function mercator(lat: number, lng: number, zoom: number) {
  const size = 256 * 2 ** zoom;
  const sin = Math.min(Math.max(Math.sin((lat * Math.PI) / 180), -0.9999), 0.9999);
  return {
    x: ((lng + 180) / 360) * size,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size,
  };
}

/** Pin positions in the viewBox: `center` in the middle at `zoom`, zoomed out if a pin would fall off. */
function project(places: Place[], center: MapOutput["center"], zoom: number) {
  const c = mercator(center.lat, center.lng, zoom);
  const offsets = places.map((p) => {
    const m = mercator(p.lat, p.lng, zoom);
    return { id: p.id, dx: m.x - c.x, dy: m.y - c.y };
  });
  const spanX = Math.max(1, ...offsets.map((o) => Math.abs(o.dx)));
  const spanY = Math.max(1, ...offsets.map((o) => Math.abs(o.dy)));
  const fit = Math.min(1, (WIDTH / 2 - PAD) / spanX, (HEIGHT / 2 - PAD) / spanY);
  return new Map(offsets.map((o) => [o.id, { x: WIDTH / 2 + o.dx * fit, y: HEIGHT / 2 + o.dy * fit }]));
}

export default function PizzaMap() {
  const output = useToolOutput<MapOutput>();
  const [details, loadDetails] = usePlaceDetails();
  // Kept as widget state, so the host remembers (and the model knows) which place is open.
  const [{ selectedId }, setSelection] = useWidgetState<{ selectedId: string | null }>({ selectedId: null });
  const select = (id: string) => setSelection({ selectedId: id });
  const cards = useRef<HTMLDivElement>(null);
  // Keep the selected card in view inside the list (scrollIntoView could scroll the host page),
  // also when its details arrive and it grows.
  const selectedDetails = selectedId ? details[selectedId]?.status : undefined;
  useEffect(() => {
    const list = cards.current;
    const card = Array.from(list?.children ?? []).find((c) => (c as HTMLElement).dataset.placeId === selectedId) as HTMLElement | undefined;
    if (!list || !card) return;
    const top = card.offsetTop;
    const bottom = top + card.offsetHeight;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = Math.min(top, bottom - list.clientHeight);
  }, [selectedId, selectedDetails]);

  const host = useHostState("host");
  const displayMode = useDisplayMode();
  const requestDisplayMode = useRequestDisplayMode();
  const expand =
    host === "none" ? null : (
      <button
        type="button"
        className="pz-button pz-button--ghost"
        onClick={() => requestDisplayMode(displayMode === "fullscreen" ? "inline" : "fullscreen").catch(() => {})}
      >
        {displayMode === "fullscreen" ? "Exit full screen" : "Expand"}
      </button>
    );

  return (
    <Shell className="pz-map" title="Pizza map" output={output} actions={expand}>
      {(places) => {
        const center = output?.center ?? { lat: average(places, "lat"), lng: average(places, "lng") };
        const at = project(places, center, typeof output?.zoom === "number" ? output.zoom : 12);
        // The selected pin is drawn last, so it is on top.
        const order = [...places].sort((a, b) => Number(a.id === selectedId) - Number(b.id === selectedId));
        return (
          <div className="pz-map__layout">
            <svg className="pz-map__svg" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label="Map of the pizza places">
              <MapBackdrop />
              {order.map((place) => {
                const p = at.get(place.id)!;
                const match = !!matchingTopping(place, output?.topping);
                const selected = place.id === selectedId;
                const onKey = (event: KeyboardEvent) => {
                  if (event.key === "Enter" || event.key === " ") {
                    event.preventDefault();
                    select(place.id);
                  }
                };
                return (
                  <g
                    key={place.id}
                    className={`pz-pin${match ? " pz-pin--match" : ""}${selected ? " pz-pin--selected" : ""}`}
                    data-testid="pin"
                    data-place-id={place.id}
                    data-highlighted={match ? "true" : undefined}
                    data-selected={selected ? "true" : undefined}
                    transform={`translate(${p.x.toFixed(1)} ${p.y.toFixed(1)})`}
                    role="button"
                    tabIndex={0}
                    aria-label={place.name}
                    aria-pressed={selected}
                    onClick={() => select(place.id)}
                    onKeyDown={onKey}
                  >
                    <title>{place.name}</title>
                    <g className="pz-pin__shape">
                      <path d="M0 0C-2-6-9-10-9-17A9 9 0 1 1 9-17C9-10 2-6 0 0Z" />
                      <circle cy="-17" r="3.5" />
                    </g>
                  </g>
                );
              })}
            </svg>
            <div className="pz-map__side">
              <div className="pz-map__cards" ref={cards}>
                {places.map((place) => (
                  <PlaceCard
                    key={place.id}
                    place={place}
                    topping={output?.topping}
                    details={details[place.id]}
                    onDetails={loadDetails}
                    selected={place.id === selectedId}
                    hideDetailsButton={place.id !== selectedId}
                    onSelect={select}
                    className="pz-map__card"
                  />
                ))}
              </div>
            </div>
          </div>
        );
      }}
    </Shell>
  );
}

function average(places: Place[], key: "lat" | "lng"): number {
  return places.reduce((sum, p) => sum + p[key], 0) / places.length;
}

/** Land, water, a park and a street grid: enough to read as a map. */
function MapBackdrop() {
  const streets = [];
  for (let x = 20; x < WIDTH; x += 40) streets.push(<line key={`x${x}`} x1={x} y1={0} x2={x + 30} y2={HEIGHT} />);
  for (let y = 18; y < HEIGHT; y += 36) streets.push(<line key={`y${y}`} x1={0} y1={y} x2={WIDTH} y2={y - 14} />);
  return (
    <g aria-hidden="true">
      <rect className="pz-map__water" width={WIDTH} height={HEIGHT} />
      <path className="pz-map__land" d={`M0 26C70 8 150 30 230 14S380 2 ${WIDTH - 30} 34L${WIDTH} 60V${HEIGHT}H0Z`} />
      <g className="pz-map__streets">{streets}</g>
      <rect className="pz-map__park" x={36} y={150} width={120} height={30} rx={6} />
      <rect className="pz-map__park" x={330} y={220} width={54} height={44} rx={6} />
    </g>
  );
}
