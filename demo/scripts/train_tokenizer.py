#!/usr/bin/env python3
"""Trains the bundled tiny model's byte-level BPE tokenizer on the corpus and writes tokenizer.json (Hugging
Face tokenizers' format) and tokenizer_config.json (special tokens, ChatML chat template).

The tokenizer is Qwen2's design at a small size: text is split by Qwen2's regex (single digits, so numbers and
dates are one token per digit), each piece is mapped to GPT-2's byte-to-unicode alphabet (ByteLevel), and BPE
merges learned here join symbols inside a piece. Ids: 0-255 are the bytes (id = byte value), then one id per
merge in the order learned, then the special tokens <|endoftext|> (EOS of raw text, padding), <|im_start|>
and <|im_end|> (ChatML's turn markers).

Training is the classic algorithm: count pieces, then repeatedly merge the most frequent adjacent pair (ties:
the pair whose symbols sort first, so the result is deterministic), updating the counts of the pieces that
hold the pair only. Python's re has no \\p{L}/\\p{N}; the split here uses [^\\W\\d_] and \\d, which differ from
the regex the tokenizer applies only for rare characters (such as superscript digits): that changes which
merges are learned, never how text is encoded, since encoding always uses the regex in tokenizer.json.

    python3 demo/scripts/train_tokenizer.py --corpus demo/corpus/corpus.jsonl --out demo/model --vocab-size 4096
"""
import argparse
import collections
import heapq
import json
import os

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# Qwen2's split (digits one at a time), as tokenizer.json stores it; Loris' GGUF export recognises it as "qwen2".
SPLIT_REGEX = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|"
               " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
LETTER = r"[^\W\d_]"
NOT_LETTER_DIGIT_NEWLINE = r"(?:[^\w\r\n]|_)"
NOT_SPACE_LETTER_DIGIT = r"(?:[^\s\w]|_)"
PYTHON_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|" + NOT_LETTER_DIGIT_NEWLINE + "?" + LETTER + r"+|\d|"
                r" ?" + NOT_SPACE_LETTER_DIGIT + r"+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

CHAT_TEMPLATE = ("{%- for message in messages %}"
                 "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
                 "{%- endfor %}"
                 "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")


def bytes_to_unicode():
    """GPT-2's table: printable bytes stand for themselves, the rest for code points from 256 up."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def count_pieces(corpus):
    import re
    split = re.compile(PYTHON_SPLIT)
    byte_char = bytes_to_unicode()
    counts = collections.Counter()
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            for token in SPECIAL_TOKENS:
                text = text.replace(token, " ")
            for piece in split.findall(text):
                counts["".join(byte_char[b] for b in piece.encode("utf-8"))] += 1
    return counts


class PairCounts:
    """Adjacent-pair counts over the distinct pieces, with the pieces each pair occurs in."""

    def __init__(self, words, freqs):
        self.words = words
        self.freqs = freqs
        self.count = collections.Counter()
        self.where = collections.defaultdict(set)
        for i, word in enumerate(words):
            self.add(i, word, +1)
        self.heap = [(-c, pair) for pair, c in self.count.items()]
        heapq.heapify(self.heap)

    def add(self, i, word, sign):
        for pair in zip(word, word[1:]):
            self.count[pair] += sign * self.freqs[i]
            if sign > 0:
                self.where[pair].add(i)

    def best(self):
        """The most frequent pair (smallest symbols first among equals), or None when none occurs twice."""
        while self.heap:
            negative, pair = heapq.heappop(self.heap)
            if self.count.get(pair, 0) == -negative:
                return pair if -negative >= 2 else None
        return None

    def merge(self, pair):
        joined = pair[0] + pair[1]
        changed = set()
        for i in sorted(self.where.pop(pair, ())):
            word = self.words[i]
            if not any(a == pair[0] and b == pair[1] for a, b in zip(word, word[1:])):
                continue
            self.add(i, word, -1)
            merged, k = [], 0
            while k < len(word):
                if k + 1 < len(word) and word[k] == pair[0] and word[k + 1] == pair[1]:
                    merged.append(joined)
                    k += 2
                else:
                    merged.append(word[k])
                    k += 1
            self.words[i] = merged
            self.add(i, merged, +1)
            changed.update(zip(merged, merged[1:]))
        self.count.pop(pair, None)
        for p in changed:
            heapq.heappush(self.heap, (-self.count[p], p))


def train(counts, merges_wanted):
    pieces = sorted(counts)
    pairs = PairCounts([list(p) for p in pieces], [counts[p] for p in pieces])
    merges = []
    while len(merges) < merges_wanted:
        pair = pairs.best()
        if pair is None:
            break
        merges.append(pair)
        pairs.merge(pair)
    return merges


def tokenizer_json(merges):
    byte_char = bytes_to_unicode()
    vocab = {byte_char[b]: b for b in range(256)}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    added = [{"id": len(vocab) + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(SPECIAL_TOKENS)]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": SPLIT_REGEX}, "behavior": "Isolated", "invert": False},
            byte_level]},
        "post_processor": None,
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [a + " " + b for a, b in merges]},
    }


def tokenizer_config(first_special_id):
    decoder = {str(first_special_id + i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                           "single_word": False, "special": True}
               for i, t in enumerate(SPECIAL_TOKENS)}
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": decoder,
        "bos_token": None,
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|endoftext|>",
        "model_max_length": 512,
        "pad_token": "<|endoftext|>",
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": None,
    }


def write_json(path, value):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as f:
        json.dump(value, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, help="JSONL rows {\"text\": ...} (make_corpus.py)")
    parser.add_argument("--out", required=True, help="the model folder to write the two files into")
    parser.add_argument("--vocab-size", type=int, default=4096, help="bytes + merges + special tokens")
    args = parser.parse_args()
    wanted = args.vocab_size - 256 - len(SPECIAL_TOKENS)
    if wanted < 0:
        parser.error(f"--vocab-size must be at least {256 + len(SPECIAL_TOKENS)}")
    counts = count_pieces(args.corpus)
    merges = train(counts, wanted)
    if len(merges) < wanted:
        print(f"note: the corpus supports only {len(merges)} merges (pairs seen twice or more)")
    os.makedirs(args.out, exist_ok=True)
    tokenizer = tokenizer_json(merges)
    write_json(os.path.join(args.out, "tokenizer.json"), tokenizer)
    write_json(os.path.join(args.out, "tokenizer_config.json"), tokenizer_config(len(tokenizer["model"]["vocab"])))
    print(f"{len(counts)} distinct pieces, {len(merges)} merges, vocabulary {256 + len(merges) + len(SPECIAL_TOKENS)}"
          f" -> {args.out}/tokenizer.json")


if __name__ == "__main__":
    main()
