// pizza-carousel: the places as a horizontally scrolling row of cards.

import { useRef } from "react";
import { useToolOutput } from "fastapps";
import { PizzaArt, PlaceCard, Shell, matchingTopping, usePlaceDetails, type PlacesOutput } from "../_shared/pizza";
import "./pizza-carousel.css";

export default function PizzaCarousel() {
  const output = useToolOutput<PlacesOutput>();
  const [details, loadDetails] = usePlaceDetails();
  const track = useRef<HTMLDivElement>(null);
  // Scroll by one card (plus the gap); scroll snapping lines it up.
  const scroll = (direction: 1 | -1) => {
    const el = track.current;
    const card = el?.firstElementChild as HTMLElement | null;
    if (el && card) el.scrollBy({ left: direction * (card.offsetWidth + 12), behavior: "smooth" });
  };
  const arrows = output?.places?.length ? (
    <div className="pz-carousel__arrows">
      <button type="button" className="pz-button pz-button--ghost" aria-label="Previous" onClick={() => scroll(-1)}>
        ‹
      </button>
      <button type="button" className="pz-button pz-button--ghost" aria-label="Next" onClick={() => scroll(1)}>
        ›
      </button>
    </div>
  ) : null;
  return (
    <Shell className="pz-carousel" title="Pizza places" output={output} actions={arrows}>
      {(places) => (
        <div className="pz-carousel__track" ref={track}>
          {places.map((place) => (
            <PlaceCard
              key={place.id}
              className="pz-carousel__card"
              place={place}
              topping={output?.topping}
              details={details[place.id]}
              onDetails={loadDetails}
              media={
                <div className="pz-carousel__media">
                  <PizzaArt seed={place.id} highlighted={!!matchingTopping(place, output?.topping)} />
                </div>
              }
            />
          ))}
        </div>
      )}
    </Shell>
  );
}
