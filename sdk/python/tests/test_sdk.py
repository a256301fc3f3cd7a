"""The Python SDK in plain CPython: frames, configs, model bytes, and the runner's
translation of exceptions, with stand-ins for the bindings componentize-py generates.
Run: PYTHONPATH=sdk/python python3 -m unittest discover -s sdk/python/tests"""

import dataclasses
import enum
import json
import types as pytypes
import unittest
from typing import Optional

import chapwasm
from chapwasm import config, encoding, runner, wire


def fake_bindings():
    """Stand-ins for `wit_world.imports.types` and `componentize_py_types.Err`."""

    def record(name, *fields):
        return dataclasses.make_dataclass(name, fields)

    values = {k: record(f"ColumnValues_{k}", "value") for k in ("F64", "S64", "String", "Bool")}
    types = pytypes.SimpleNamespace(
        **{f"ColumnValues_{k}": v for k, v in values.items()},
        Column=record("Column", "name", "values", "validity"),
        DataFrame=record("DataFrame", "num_rows", "columns"),
        ModelError=record("ModelError", "kind", "message"),
        ErrorKind=enum.Enum("ErrorKind", "INVALID_CONFIG INVALID_DATA INVALID_MODEL FAILED"),
        PeriodType=enum.Enum("PeriodType", "WEEKLY MONTHLY ANY"),
        ModelInfo=lambda *fields: fields,
    )

    class Err(Exception):
        def __init__(self, value):
            super().__init__(value)
            self.value = value

    return types, Err


class FrameTest(unittest.TestCase):
    def test_columns_read_as_the_rust_sdk_reads_them(self):
        frame = chapwasm.DataFrame({"location": ["a", "b", None], "cases": [1, None, 3], "rain": [0.5, 1.0, 2.0]})
        self.assertEqual(frame.num_rows, 3)
        self.assertEqual(frame.f64_column("cases"), [1.0, None, 3.0])
        self.assertEqual(frame.f64_filled("cases", 0.0), [1.0, 0.0, 3.0])
        self.assertEqual(frame.str_column("location"), ["a", "b", None])
        self.assertEqual(frame.numeric_column_names(), ["cases", "rain"])

    def test_errors_name_the_column_and_what_exists(self):
        frame = chapwasm.DataFrame({"location": ["a"], "cases": [1]})
        with self.assertRaises(chapwasm.InvalidData) as missing:
            frame.f64_column("rainfall")
        self.assertEqual(str(missing.exception), "missing column `rainfall` (columns: `location`, `cases`)")
        with self.assertRaises(chapwasm.InvalidData) as text:
            frame.f64_column("location")
        self.assertEqual(str(text.exception), "column `location` is string, not numeric")
        with self.assertRaises(chapwasm.InvalidData):
            frame.set_f64("sample_0", [1.0, 2.0])
        with self.assertRaises(chapwasm.InvalidData):
            chapwasm.DataFrame({"mixed": [1, "a"]})

    def test_frames_cross_the_contract_with_their_nulls(self):
        types, _ = fake_bindings()
        wire.types = types
        frame = chapwasm.DataFrame({"n": [1, None, 3] + [4] * 7, "s": ["x"] * 10})
        frame.set_f64("sample_0", [0.5] * 9 + [None])
        crossed = wire.to_wit(frame)
        validity = {c.name: c.validity for c in crossed.columns}
        self.assertEqual(validity, {"n": bytes([0b11111101, 0b11]), "s": None, "sample_0": bytes([0xFF, 0b01])})
        back = wire.from_wit(crossed)
        self.assertEqual(back.to_dict(), frame.to_dict())


@dataclasses.dataclass
class Settings(chapwasm.BaseConfig):
    scale: float = dataclasses.field(default=1.0, metadata={"description": "a multiplier"})
    features: Optional[list[str]] = None
    name: str = "x"
    strict: bool = False
    lags: int = dataclasses.field(default=0)


@dataclasses.dataclass
class Needy(chapwasm.BaseConfig):
    window: int


class ConfigTest(unittest.TestCase):
    def test_a_dataclass_is_a_json_schema(self):
        schema = config.schema(Settings)
        properties = schema["properties"]
        self.assertEqual(properties["scale"], {"type": "number", "description": "a multiplier", "default": 1.0})
        self.assertEqual(properties["features"]["anyOf"], [{"type": "array", "items": {"type": "string"}}, {"type": "null"}])
        self.assertEqual(properties["prediction_periods"], {"type": "integer", "default": 3})
        self.assertEqual(properties["additional_continuous_covariates"]["default"], [])
        self.assertNotIn("required", schema)
        self.assertEqual(config.schema(Needy)["required"], ["window"])

    def test_config_json_becomes_the_dataclass(self):
        parsed = config.parse(Settings, json.dumps({"scale": 2.5, "unknown": 1, "prediction_periods": 4}))
        self.assertEqual((parsed.scale, parsed.prediction_periods, parsed.name), (2.5, 4, "x"))
        with self.assertRaises(chapwasm.InvalidConfig):
            config.parse(Needy, "{}")


class EncodingTest(unittest.TestCase):
    def test_models_round_trip_in_each_format(self):
        model = {"mean": 2.5, "features": ["a"]}
        for model_format in ("json", "pickle"):
            self.assertEqual(encoding.decode(encoding.encode(model, model_format), model_format), model)
        self.assertEqual(encoding.decode(encoding.encode(b"\x00\x01", "bytes"), "bytes"), b"\x00\x01")
        with self.assertRaises(chapwasm.InvalidModel):
            encoding.decode(b"not json", "json")


class RunnerTest(unittest.TestCase):
    def setUp(self):
        self.types, self.Err = fake_bindings()
        runner.types, runner.Err, wire.types = self.types, self.Err, self.types

    def world(self, on_train, model_format="json"):
        functions = chapwasm.FunctionalModelRunner(on_train=on_train, on_predict=lambda *a: a[3])
        return chapwasm.component(functions, chapwasm.ModelInfo("m"), Settings, model_format)()

    def empty(self):
        return self.types.DataFrame(0, [])

    def test_a_model_error_keeps_its_kind(self):
        def on_train(config, data, geo):
            raise chapwasm.InvalidData("no observed disease_cases")

        with self.assertRaises(self.Err) as failed:
            self.world(on_train).train("{}", self.empty(), None)
        self.assertEqual(failed.exception.value.kind, self.types.ErrorKind.INVALID_DATA)
        self.assertEqual(failed.exception.value.message, "no observed disease_cases")

    def test_any_other_exception_is_a_failure_with_its_traceback(self):
        def on_train(config, data, geo):
            return {}["missing"]

        with self.assertRaises(self.Err) as failed:
            self.world(on_train).train("{}", self.empty(), None)
        error = failed.exception.value
        self.assertEqual(error.kind, self.types.ErrorKind.FAILED)
        self.assertTrue(error.message.startswith("KeyError: 'missing'\nTraceback (most recent call last)"), error.message)
        self.assertIn("in on_train", error.message)

    def test_a_failing_cleanup_does_not_hide_the_hooks_error(self):
        class Runner(chapwasm.BaseModelRunner):
            def on_train(self, config, data, geo=None):
                raise chapwasm.InvalidData("the real reason")

            def on_cleanup(self):
                raise RuntimeError("cleanup broke")

        world = chapwasm.component(Runner(), chapwasm.ModelInfo("m"), Settings)()
        with self.assertRaises(self.Err) as failed:
            world.train("{}", self.empty(), None)
        self.assertEqual(failed.exception.value.message, "the real reason")

    def test_an_exception_without_a_readable_message_is_still_a_model_error(self):
        class Broken(Exception):
            def __str__(self):
                raise ValueError("no")

        def on_train(config, data, geo):
            raise Broken()

        with self.assertRaises(self.Err) as failed:
            self.world(on_train).train("{}", self.empty(), None)
        self.assertEqual(failed.exception.value.kind, self.types.ErrorKind.FAILED)

    def test_async_hooks_and_typed_configs_reach_the_model(self):
        async def on_train(config, data, geo):
            return {"scale": config.scale, "rows": data.num_rows, "geo": geo}

        trained = self.world(on_train).train('{"scale": 3.0}', self.types.DataFrame(2, []), '{"type": "x"}')
        self.assertEqual(json.loads(trained), {"scale": 3.0, "rows": 2, "geo": {"type": "x"}})


if __name__ == "__main__":
    unittest.main()
