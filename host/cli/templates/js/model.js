// {{name}}: a CHAP model in JavaScript. Start here: change train and predict.
import { exportModel, invalidData, log } from "./chapwasm.js";

export const { describe, train, predict } = exportModel({
  info: { name: "{{name}}", description: "Predicts the (scaled) training mean." },
  configSchema: {
    title: "Config",
    type: "object",
    properties: { scale: { type: "number", default: 1.0, description: "Multiplier applied to the historical mean" } },
  },
  train(config, data) {
    const observed = data.f64Column("disease_cases").filter((v) => v !== null);
    if (observed.length === 0) throw invalidData("no observed disease_cases");
    log(`training on ${observed.length} of ${data.numRows} rows`);
    return { mean: ((config.scale ?? 1.0) * observed.reduce((a, b) => a + b, 0)) / observed.length };
  },
  predict(config, model, historic, future) {
    future.setF64("sample_0", new Array(future.numRows).fill(model.mean));
    return future;
  },
});
