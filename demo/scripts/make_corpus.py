#!/usr/bin/env python3
"""Builds the pretraining corpus of the bundled tiny model from text that Python itself ships.

Sources (nothing is downloaded):
  1. pydoc_data.topics: the Python Language Reference sections behind help('TOPIC') (English prose and code);
  2. the docstrings of the standard library's own modules, classes and functions, read with ast from the
     .py files (no module is imported), longer than MIN_DOCSTRING characters, in sorted path order.

Each document is cut at paragraph boundaries into pieces of at most MAX_CHARS characters (a piece is one
training sequence, so pieces must fit --max-seq-length once tokenized), and written as JSONL rows
{"text": ...}, the raw-text format `loris train --format text` reads (EOS is appended per row by the trainer).

The output depends only on the Python version's standard library; the script prints that version, the row
count and the SHA-256 of the file, which demo/README.md records for the version the bundled model used.

    python3 demo/scripts/make_corpus.py --out demo/corpus/corpus.jsonl
"""
import argparse
import ast
import hashlib
import json
import os
import re
import sys
import sysconfig

MIN_DOCSTRING = 200
MAX_CHARS = 1200
# Tests, the IDE, tooling and vendored packages: code-heavy or not the library's documentation.
SKIPPED_DIRS = {"test", "tests", "site-packages", "dist-packages", "idlelib", "lib2to3", "__pycache__",
                "turtledemo", "ensurepip", "pydoc_data"}


def topic_documents():
    from pydoc_data.topics import topics
    for name in sorted(topics):
        yield topics[name]


def docstring_documents(stdlib):
    for directory, subdirs, files in os.walk(stdlib):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            try:
                with open(path, encoding="utf-8") as f:
                    tree = ast.parse(f.read())
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue  # a few test-data files in the stdlib are not valid Python on purpose
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc and len(doc) >= MIN_DOCSTRING:
                        yield doc


def normalise(text):
    """Unix newlines, no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def pieces(text):
    """Paragraph-aligned pieces of at most MAX_CHARS; a longer paragraph is cut at line ends, then hard."""
    current = ""
    for paragraph in text.split("\n\n"):
        for part in split_long(paragraph):
            if current and len(current) + 2 + len(part) > MAX_CHARS:
                yield current
                current = part
            else:
                current = part if not current else current + "\n\n" + part
    if current:
        yield current


def split_long(paragraph):
    if len(paragraph) <= MAX_CHARS:
        return [paragraph]
    out, current = [], ""
    for line in paragraph.split("\n"):
        while len(line) > MAX_CHARS:
            if current:
                out.append(current)
                current = ""
            out.append(line[:MAX_CHARS])
            line = line[MAX_CHARS:]
        if current and len(current) + 1 + len(line) > MAX_CHARS:
            out.append(current)
            current = line
        else:
            current = line if not current else current + "\n" + line
    if current:
        out.append(current)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="the JSONL file to write")
    args = parser.parse_args()
    stdlib = sysconfig.get_paths()["stdlib"]
    rows = 0
    chars = 0
    seen = set()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    temporary = args.out + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as out:
        for document in list(topic_documents()) + list(docstring_documents(stdlib)):
            text = normalise(document)
            if text in seen:  # inherited or copied docstrings
                continue
            seen.add(text)
            for piece in pieces(text):
                out.write(json.dumps({"text": piece}, ensure_ascii=False) + "\n")
                rows += 1
                chars += len(piece)
    os.replace(temporary, args.out)
    with open(args.out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"python {sys.version.split()[0]}: {rows} rows, {chars} characters -> {args.out}")
    print(f"sha256 {digest}")


if __name__ == "__main__":
    main()
