#!/usr/bin/env python3
"""Writes the bundled skill dataset: converting an ISO date (2023-04-07) to a date in words (7 April 2023), as
chat messages in JSONL, a training file and a held-out file whose dates never occur in training.

Why this skill: it is scored exactly (the answer is one string), a small base model pretrained on prose does not
have it, and a few-million-parameter model can learn it with LoRA in minutes: each answer copies the day (without
its leading zero) and the year digit by digit (the tokenizer splits digits one by one) and looks the month's name
up among twelve. Dates are drawn uniformly from 1900-01-01 to 2099-12-31 (real calendar days, leap years
included) by Python's Random seeded with --seed; the user's question uses one of a few phrasings.

    python3 demo/scripts/make_dates.py --out demo/data --train 2000 --eval 200 --seed 14
"""
import argparse
import datetime
import json
import os
import random

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
PHRASINGS = ["Write {iso} as a date in words.",
             "What is {iso} written out?",
             "Convert the date {iso} to words."]
FIRST = datetime.date(1900, 1, 1)
DAYS = (datetime.date(2099, 12, 31) - FIRST).days + 1


def in_words(date):
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def conversation(date, rng):
    question = rng.choice(PHRASINGS).format(iso=date.isoformat())
    return {"messages": [{"role": "user", "content": question},
                         {"role": "assistant", "content": in_words(date)}]}


def write_jsonl(path, rows):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="folder for dates-train.jsonl and dates-eval.jsonl")
    parser.add_argument("--train", type=int, default=2000, help="training conversations")
    parser.add_argument("--eval", type=int, default=200, help="held-out conversations")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    offsets = rng.sample(range(DAYS), args.train + args.eval)  # distinct dates: no held-out date is trained on
    dates = [FIRST + datetime.timedelta(days=o) for o in offsets]
    os.makedirs(args.out, exist_ok=True)
    write_jsonl(os.path.join(args.out, "dates-train.jsonl"), [conversation(d, rng) for d in dates[:args.train]])
    write_jsonl(os.path.join(args.out, "dates-eval.jsonl"), [conversation(d, rng) for d in dates[args.train:]])
    print(f"{args.train} training and {args.eval} held-out conversations -> {args.out}")


if __name__ == "__main__":
    main()
