"""Trains and predicts on the sample data in plain Python (no component needed):
python3 -m unittest"""

import csv
import sys
import unittest

try:
    import chapwasm
except ImportError:  # the SDK not installed: the checkout's copy this project was made from
    sys.path.append("{{repository}}/sdk/python")
    import chapwasm

import app


def read(path):
    """A CSV file as a chapwasm.DataFrame (numbers where every cell is one)."""
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    columns = {}
    for name in rows[0] if rows else []:
        cells = [row[name] for row in rows]
        try:
            columns[name] = [None if cell == "" else float(cell) for cell in cells]
        except ValueError:
            columns[name] = [None if cell == "" else cell for cell in cells]
    return chapwasm.DataFrame(columns)


class AppTest(unittest.TestCase):
    def test_trains_and_predicts_the_sample_data(self):
        model = app.on_train(app.Config(), read("data/train.csv"))
        predictions = app.on_predict(app.Config(), model, read("data/historic.csv"), read("data/future.csv"))
        self.assertEqual(predictions.num_rows, 2)
        self.assertTrue(all(value > 0 for value in predictions.f64_column("sample_0")))


if __name__ == "__main__":
    unittest.main()
