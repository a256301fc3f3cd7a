#!/bin/sh
# predict.sh MODEL FUTURE OUTPUT: the future rows with a sample_0 column of the mean.
set -eu
mean=$(cat "$1")
awk -v mean="$mean" 'NR == 1 { print $0 ",sample_0"; next } { print $0 "," mean }' "$2" > "$3"
