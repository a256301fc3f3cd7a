#!/bin/sh
# train.sh CONFIG DATA MODEL: the (scaled) mean of the data's disease_cases, as text.
set -eu
scale=$(sed -n 's/.*"scale"[[:space:]]*:[[:space:]]*\([-+0-9.eE]*\).*/\1/p' "$1")
awk -F, -v scale="${scale:-1}" '
NR == 1 {
    for (i = 1; i <= NF; i++) if ($i == "disease_cases") column = i
    if (!column) { print "missing column disease_cases" > "/dev/stderr"; failed = 1; exit 1 }
    next
}
# An empty cell is a null (the csv writer quotes a lone empty cell as "").
$column != "" && $column != "\"\"" { sum += $column; count++ }
END {
    if (failed) exit 1
    if (count == 0) { print "no observed disease_cases" > "/dev/stderr"; exit 1 }
    printf "%.17g\n", scale * sum / count
}' "$2" > "$3"
