// A model with a bug: its training reads a property of `undefined`. The SDK must report
// the TypeError, stack included, as a model error (a failed job that says why), never as
// a bare trap.
import { exportModel } from "./chapwasm.js";

function firstLocation(data) {
  return data.settings.location;
}

export const { describe, train, predict } = exportModel({
  info: { name: "careless-js", description: "Fails its training with a JavaScript exception." },
  train: (config, data) => firstLocation(data),
  predict: (config, model, historic, future) => future,
});
