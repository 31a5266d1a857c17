"""dockerfile: reads the parts of a Dockerfile the image tests act on.

No Docker engine runs here, so the tests take each image's instructions from
its Dockerfile (not from a copy kept in the test) and carry them out another
way. Only the instructions keel's Dockerfiles use are understood; anything
else is an error, so a new instruction cannot be silently ignored.

Usage: dockerfile.py FILE QUERY [STAGE]
  stages          one line per stage: INDEX NAME BASE
  copies STAGE    one line per source: FROM<TAB>SRC<TAB>TARGET (FROM "-" =
                  the build context; TARGET = where SRC lands)
  runs STAGE      one RUN command per line (shell form)
  env STAGE       NAME=VALUE lines, in order
  user STAGE      the USER in effect at the end ("" = root)
  workdir STAGE   the WORKDIR in effect at the end ("/" by default)
  argv STAGE      ENTRYPOINT then CMD, one word per line
STAGE is a stage name, an index, or "last" (the default).
"""
import json
import os
import shlex
import sys

KNOWN = {"FROM", "ARG", "RUN", "COPY", "ENV", "USER", "WORKDIR",
         "ENTRYPOINT", "CMD", "LABEL", "EXPOSE"}


def logical_lines(text):
    """Joins backslash continuations and drops comments and blank lines."""
    out, cur = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not cur and (not line or line.startswith("#")):
            continue
        if cur and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        out.append(cur + line)
        cur = ""
    if cur:
        out.append(cur)
    return out


def expand(word, args):
    for name, value in args.items():
        word = word.replace("${%s}" % name, value).replace("$" + name, value)
    return word


def exec_form(rest):
    """ENTRYPOINT/CMD: the JSON form, or the shell form as sh -c."""
    if rest.startswith("["):
        return json.loads(rest)
    return ["/bin/sh", "-c", rest]


def parse(path):
    args, stages = {}, []
    for line in logical_lines(open(path).read()):
        op, _, rest = line.partition(" ")
        op, rest = op.upper(), rest.strip()
        if op not in KNOWN:
            sys.exit("dockerfile: %s: unknown instruction %s" % (path, op))
        if op == "ARG" and not stages:
            name, _, value = rest.partition("=")
            args[name] = value
            continue
        if op == "FROM":
            words = rest.split()
            name = words[2] if len(words) == 3 and \
                words[1].upper() == "AS" else str(len(stages))
            stages.append({"name": name, "base": expand(words[0], args),
                           "copies": [], "runs": [], "env": [], "user": "",
                           "workdir": "/", "entrypoint": [], "cmd": []})
            continue
        if not stages:
            sys.exit("dockerfile: %s: %s before FROM" % (path, op))
        st = stages[-1]
        if op == "COPY":
            words = shlex.split(rest)
            src_stage = "-"
            while words[0].startswith("--"):
                flag = words.pop(0)
                if flag.startswith("--from="):
                    src_stage = flag[len("--from="):]
            dst = os.path.join(st["workdir"], words[-1])
            for src in words[:-1]:
                # "COPY a dir/" puts a inside dir; "COPY a b" names it b
                to = os.path.join(dst, os.path.basename(src.rstrip("/"))) \
                    if words[-1].endswith("/") else dst
                st["copies"].append((src_stage, src, os.path.normpath(to)))
        elif op == "RUN":
            st["runs"].append(rest)
        elif op == "ENV":
            for word in shlex.split(rest):
                st["env"].append(word)
        elif op == "USER":
            st["user"] = rest
        elif op == "WORKDIR":
            st["workdir"] = os.path.join(st["workdir"], rest)
        elif op == "ENTRYPOINT":
            st["entrypoint"] = exec_form(rest)
            st["cmd"] = []  # a new ENTRYPOINT resets CMD, as Docker does
        elif op == "CMD":
            st["cmd"] = exec_form(rest)
    return stages


def pick(stages, key):
    if key == "last":
        return stages[-1]
    for i, st in enumerate(stages):
        if st["name"] == key or str(i) == key:
            return st
    sys.exit("dockerfile: no stage %s" % key)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    stages = parse(sys.argv[1])
    query = sys.argv[2]
    if query == "stages":
        for i, st in enumerate(stages):
            print(i, st["name"], st["base"])
        return
    st = pick(stages, sys.argv[3] if len(sys.argv) > 3 else "last")
    if query == "copies":
        for c in st["copies"]:
            print("\t".join(c))
    elif query == "runs":
        for r in st["runs"]:
            print(r)
    elif query == "env":
        for e in st["env"]:
            print(e)
    elif query in ("user", "workdir"):
        print(st[query])
    elif query == "argv":
        for w in st["entrypoint"] + st["cmd"]:
            print(w)
    else:
        sys.exit("dockerfile: unknown query %s" % query)


if __name__ == "__main__":
    main()
