// chapwasm's JavaScript SDK: write a CHAP model as two functions and export them with
// `exportModel`; `node sdk/js/build.mjs model.js` builds the component (it places this
// file beside the model, so models import it as "./chapwasm.js").
//
//   import { exportModel, invalidData, log } from "./chapwasm.js";
//   export const { describe, train, predict } = exportModel({
//     info: { name: "mean-model-js", description: "..." },
//     configSchema: { type: "object", properties: { scale: { type: "number", default: 1 } } },
//     train(config, data) { ...; return model },           // any JSON value
//     predict(config, model, historic, future) { future.setF64("sample_0", [...]); return future },
//   });
//
// Every exception leaves `train`/`predict` as a model error: a `ModelError` with its kind,
// anything else as `failed` with its stack — never as a trap.
import { log as hostLog, progress as hostProgress } from "chap:model/host@0.1.0";

const KINDS = ["invalid-config", "invalid-data", "invalid-model", "failed"];

/** A failure the model detected; `kind` is invalid-config, invalid-data, invalid-model or failed. */
export class ModelError extends Error {
  constructor(message, kind = "failed") {
    super(message);
    this.kind = KINDS.includes(kind) ? kind : "failed";
  }
}

export const invalidData = (message) => new ModelError(message, "invalid-data");
export const invalidConfig = (message) => new ModelError(message, "invalid-config");
export const invalidModel = (message) => new ModelError(message, "invalid-model");

/** A line in the job's log; `level` is trace, debug, info, warn or error. */
export function log(message, level = "info") {
  hostLog(level, String(message));
}

/** How far the call is, from 0 to 1. */
export function progress(fraction, message = "") {
  hostProgress(Number(fraction), String(message));
}

/** A table in columnar form, in the Rust SDK's words; nulls are `null`. */
export class DataFrame {
  constructor(numRows, columns = new Map()) {
    this.numRows = numRows;
    this.columns = columns; // name -> { tag, values: Array (nulls as null) }
  }

  static fromWit(frame) {
    const columns = new Map();
    for (const column of frame.columns) {
      const present = (row) => !column.validity || (column.validity[row >> 3] >> (row & 7)) & 1;
      const values = Array.from(column.values.val, (value, row) =>
        present(row) ? (column.values.tag === "s64" ? Number(value) : value) : null,
      );
      columns.set(column.name, { tag: column.values.tag, values });
    }
    return new DataFrame(frame.numRows, columns);
  }

  toWit() {
    const null_ = { f64: 0, s64: 0n, string: "", bool: false };
    const columns = [];
    for (const [name, { tag, values }] of this.columns) {
      const nulls = values.some((v) => v === null || v === undefined);
      let validity;
      if (nulls) {
        validity = new Uint8Array((values.length + 7) >> 3);
        values.forEach((v, row) => {
          if (v !== null && v !== undefined) validity[row >> 3] |= 1 << (row & 7);
        });
      }
      const filled = values.map((v) => (v === null || v === undefined ? null_[tag] : tag === "s64" ? BigInt(v) : v));
      const val = tag === "f64" ? Float64Array.from(filled) : tag === "s64" ? BigInt64Array.from(filled) : filled;
      columns.push({ name, values: { tag, val }, validity });
    }
    return { numRows: this.numRows, columns };
  }

  get columnNames() {
    return [...this.columns.keys()];
  }

  hasColumn(name) {
    return this.columns.has(name);
  }

  column(name) {
    const column = this.columns.get(name);
    if (!column) {
      const there = this.columnNames.map((c) => `\`${c}\``).join(", ") || "none";
      throw invalidData(`missing column \`${name}\` (columns: ${there})`);
    }
    return column;
  }

  /** The column as numbers (integers widened), `null` for nulls. */
  f64Column(name) {
    const { tag, values } = this.column(name);
    if (tag !== "f64" && tag !== "s64") throw invalidData(`column \`${name}\` is ${tag}, not numeric`);
    return [...values];
  }

  f64Filled(name, fill) {
    return this.f64Column(name).map((v) => (v === null ? fill : v));
  }

  /** The column as text, `null` for nulls. */
  strColumn(name) {
    const { tag, values } = this.column(name);
    if (tag !== "string") throw invalidData(`column \`${name}\` is ${tag}, not text`);
    return [...values];
  }

  /** Adds or replaces a number column (`null` for nulls); one value per row. */
  setF64(name, values) {
    if (!Array.isArray(values) && !ArrayBuffer.isView(values)) throw new TypeError(`setF64(${name}): values must be an array`);
    if (values.length !== this.numRows) {
      throw invalidData(`column \`${name}\` has ${values.length} values, the frame ${this.numRows} rows`);
    }
    // Holes and `undefined` are nulls too (`new Array(n)`), never NaN.
    this.columns.set(name, { tag: "f64", values: Array.from(values, (v) => (v == null ? null : Number(v))) });
  }
}

/** What an exception becomes on the way out: the WIT `model-error` record. */
function failure(error) {
  try {
    if (error instanceof ModelError) return { kind: error.kind, message: String(error.message) };
    const described = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error);
    return { kind: "failed", message: described.trimEnd() };
  } catch {
    return { kind: "failed", message: "an exception whose message could not be read" };
  }
}

function guarded(work) {
  try {
    return work();
  } catch (error) {
    throw failure(error);
  }
}

/**
 * The component's exports from a model: `info` (name required; chapkit's defaults for the
 * rest), `configSchema` (a JSON Schema object), `train(config, data, geo)` returning any
 * JSON value, `predict(config, model, historic, future, geo)` returning a `DataFrame`.
 */
export function exportModel({ info, configSchema = { type: "object", properties: {} }, train, predict }) {
  const described = {
    name: info.name,
    version: info.version ?? "0.1.0",
    description: info.description ?? "",
    configSchema: JSON.stringify(configSchema),
    target: info.target ?? "disease_cases",
    requiredCovariates: info.requiredCovariates ?? [],
    allowFreeAdditionalContinuousCovariates: info.allowFreeAdditionalContinuousCovariates ?? false,
    periodType: info.periodType ?? "any",
    requiresGeo: info.requiresGeo ?? false,
    minPredictionPeriods: info.minPredictionPeriods ?? 0,
    maxPredictionPeriods: info.maxPredictionPeriods ?? 100,
  };
  const parse = (text, what) => {
    try {
      return text === undefined || text === null ? null : JSON.parse(text);
    } catch (error) {
      throw new ModelError(`${what} is not JSON: ${error.message}`, what === "the model" ? "invalid-model" : "invalid-config");
    }
  };
  return {
    describe: () => described,
    train: (config, data, geo) =>
      guarded(() => {
        const model = train(parse(config, "the config") ?? {}, DataFrame.fromWit(data), parse(geo, "geo"));
        if (model === undefined) throw new TypeError("train returned nothing: return the model (any JSON value)");
        if (typeof model?.then === "function") {
          throw new TypeError("train returned a Promise: async train is not supported (nothing can be awaited)");
        }
        return new TextEncoder().encode(JSON.stringify(model));
      }),
    predict: (config, model, historic, future, geo) =>
      guarded(() => {
        const decoded = parse(new TextDecoder().decode(model), "the model");
        const frames = [DataFrame.fromWit(historic), DataFrame.fromWit(future)];
        const result = predict(parse(config, "the config") ?? {}, decoded, ...frames, parse(geo, "geo"));
        if (!(result instanceof DataFrame)) throw new TypeError("predict must return a DataFrame");
        return result.toWit();
      }),
  };
}
