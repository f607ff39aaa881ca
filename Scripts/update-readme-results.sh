#!/usr/bin/env bash
# Copies the tables of committed experiment results into README.md, so that no number in the
# README is typed by hand. Each block of the README between
#     <!-- results: results/<Grid>/results.md -->   and   <!-- end results -->
# is replaced by that file from its first "## " heading on, with headings moved down two levels
# and plot links made relative to the package root. Idempotent; run after `hashing experiment`
# has refreshed a results file (see the Makefile's experiment targets).
set -euo pipefail
cd "$(dirname "$0")/.."
readme=README.md
temporary=$(mktemp)
trap 'rm -f "$temporary"' EXIT
awk '
    function splice(path,    line, started, directory) {
        if ((getline line < path) <= 0) {
            print "update-readme-results: " path " is missing; its block says so" > "/dev/stderr"
            print "_" path " has not been produced yet: run the command above._"
            return
        }
        directory = path; sub(/[^\/]*$/, "", directory)
        started = 0
        do {
            if (!started && line ~ /^## /) started = 1
            if (!started) continue
            if (line ~ /^#+ /) line = "##" line
            gsub(/\]\(plots\//, "](" directory "plots/", line)
            print line
        } while ((getline line < path) > 0)
        close(path)
    }
    /^<!-- results: .* -->$/ {
        print
        path = $0; sub(/^<!-- results: /, "", path); sub(/ -->$/, "", path)
        splice(path)
        skipping = 1
        next
    }
    /^<!-- end results -->$/ { skipping = 0 }
    !skipping { print }
' "$readme" > "$temporary"
if cmp -s "$temporary" "$readme"; then
    echo "update-readme-results: README.md is up to date"
else
    cp "$temporary" "$readme.tmp" && mv "$readme.tmp" "$readme"
    echo "update-readme-results: README.md updated"
fi
