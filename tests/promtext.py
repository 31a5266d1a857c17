#!/usr/bin/env python3
# Checks a file against the Prometheus text exposition format (0.0.4):
# every line is a HELP or TYPE comment or a sample; a metric family's TYPE
# comes once, before its samples, which stay together; names, labels and
# values follow the format's grammar. Then each name given after the file
# must have samples. Exit status 0 when it holds, 1 with the first fault.
#   tests/promtext.py FILE [METRIC...]
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
VALUE = r"(?:[+-]?(?:[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|Inf)|NaN)"
SAMPLE = re.compile(r"^(%s)(\{(?:%s(?:,%s)*,?)?\})? %s( -?[0-9]+)?$"
                    % (NAME, LABEL, LABEL, VALUE))
HELP = re.compile(r"^# HELP (%s) .*$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$"
                  % NAME)


def check(text, wanted):
    if not text.endswith("\n"):
        return "no newline at the end"
    typed, families, seen = {}, [], set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if HELP.match(line):
            continue
        m = TYPE.match(line)
        if m:
            if m.group(1) in typed:
                return "line %d: a second TYPE for %s" % (n, m.group(1))
            typed[m.group(1)] = m.group(2)
            families.append(m.group(1))
            continue
        m = SAMPLE.match(line)
        if not m:
            return "line %d: not a comment or a sample: %r" % (n, line)
        if not families or m.group(1) != families[-1]:
            return "line %d: %s outside its family" % (n, m.group(1))
        seen.add(m.group(1))
    missing = [w for w in wanted if w not in seen]
    return "no samples of %s" % ", ".join(missing) if missing else None


if __name__ == "__main__":
    why = check(open(sys.argv[1]).read(), sys.argv[2:])
    if why:
        print("prometheus format: " + why, file=sys.stderr)
        sys.exit(1)
