// pizza-list: the places as a ranked list, those with the requested topping marked.

import { useToolOutput } from "fastapps";
import { PlaceCard, Shell, usePlaceDetails, type PlacesOutput } from "../_shared/pizza";
import "./pizza-list.css";

export default function PizzaList() {
  const output = useToolOutput<PlacesOutput>();
  const [details, loadDetails] = usePlaceDetails();
  return (
    <Shell className="pz-list" title="Pizza places" output={output}>
      {(places) => (
        <ol className="pz-list__items">
          {places.map((place, i) => (
            <li key={place.id}>
              <PlaceCard
                place={place}
                topping={output?.topping}
                details={details[place.id]}
                onDetails={loadDetails}
                leading={<span className="pz-list__rank">{i + 1}</span>}
              />
            </li>
          ))}
        </ol>
      )}
    </Shell>
  );
}
