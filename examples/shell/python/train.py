"""Trains the mean model: reads the config (JSON) and the data (CSV), writes the model (JSON)."""

import argparse
import csv
import json
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--config", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--model", required=True)
args = parser.parse_args()

with open(args.config) as file:
    config = json.load(file)
with open(args.data, newline="") as file:
    rows = list(csv.DictReader(file))
observed = [float(row["disease_cases"]) for row in rows if row.get("disease_cases") not in (None, "")]
if not observed:
    sys.exit("no observed disease_cases")
print(f"training on {len(observed)} of {len(rows)} rows", file=sys.stderr)
with open(args.model, "w") as file:
    json.dump({"mean": config.get("scale", 1.0) * sum(observed) / len(observed)}, file)
