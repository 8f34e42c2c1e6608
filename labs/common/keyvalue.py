"""The students' answer files (Lab 3's answers.txt, Lab 4's report.txt): one `key = value` a line,
`#` starts a comment, blank lines are ignored. Standard library only."""


def read_key_values(path):
    """{key: value} of the file; exits naming file and line on a line that is not `key = value`."""
    fields = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if "=" not in line:
                raise SystemExit("grade: %s:%d: expected `key = value`, found %r" % (path, number, line))
            key, value = (x.strip() for x in line.split("=", 1))
            fields[key] = value
    return fields
