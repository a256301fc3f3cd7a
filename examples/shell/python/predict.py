"""Predicts with the mean model: the future rows (CSV) with a `sample_0` column added."""

import argparse
import csv
import json

parser = argparse.ArgumentParser()
parser.add_argument("--config", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--historic", required=True)
parser.add_argument("--future", required=True)
parser.add_argument("--output", required=True)
args = parser.parse_args()

with open(args.model) as file:
    mean = json.load(file)["mean"]
with open(args.future, newline="") as file:
    reader = csv.DictReader(file)
    fields = list(reader.fieldnames or []) + ["sample_0"]
    rows = [dict(row, sample_0=mean) for row in reader]
with open(args.output, "w", newline="") as file:
    writer = csv.DictWriter(file, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
