#!/usr/bin/env python3
"""Records what the Python tokenizers library and transformers produce for the committed real tokenizers,
for TokenizerFixtureTest and ChatTemplateFixtureTest (Java).

Run from the repository root, on any machine with `tokenizers` and `transformers` (no network, no GPU):
    python3 model/src/test/resources/tokenizers/record_fixtures.py
It reads tokenizers/<name>/tokenizer.json.gz and tokenizer_config.json.gz next to this script and writes
tokenizers/<name>/fixtures.json.gz with:
  - the input strings (generated here, deterministically from a fixed seed, and stored so that the Java
    tests read inputs and expected outputs from the same file);
  - for each string: the ids from tokenizers.Tokenizer.encode with and without special tokens, and the
    decode of the former with and without skip_special_tokens; transformers' results are stored only
    where they differ from those (keys starting with "hf_");
  - decodes of random id sequences (byte tokens, partial UTF-8, special tokens);
  - token <-> id samples and the vocabulary size with added tokens;
  - chat templates rendered by transformers' apply_chat_template(tokenize=False) for several
    conversations, with and without add_generation_prompt (or the error the template raised), and the ids
    of each rendering.
It also writes tokenizers/jinja_fixtures.json.gz: small templates exercising the Python-isms real chat
templates use (str methods, tojson, slices, namespace, loop variables, whitespace control), rendered by
transformers' own compiled Jinja environment (chat_template_utils._compile_jinja_template).
"""
import gzip
import json
import os
import random
import shutil
import sys
import tempfile
import unicodedata

import tokenizers
import transformers
from tokenizers import Tokenizer
from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["llama3", "qwen3", "gemma3", "llama2"]
SEED = 20260722

WORDS = ("the of and to in is was that for on with as by at from his her it an were are which this be or has "
         "had not but what all when we there can more if out so up said about other into than them could only "
         "time new some these two may first then do any like my now over such our man me even most made after "
         "also did many before must through back years where much your way well down should because each just "
         "those people how too little state good very make world still own see men work long get here between "
         "both life being under never day same another know while last might us great old year off come since "
         "against go came right used take three tokenizer Hello WORLD Don't I'm it's we've they're you'll she'd "
         "naïve café résumé coöperate fiancée über straße").split()

SCRIPTS = {
    "greek": "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο",
    "cyrillic": "Съешь же ещё этих мягких французских булок, да выпей чаю",
    "arabic": "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر",
    "hebrew": "דג סקרן שט בים מאוכזב ולפתע מצא חברה",
    "devanagari": "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले",
    "thai": "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน",
    "chinese": "我能吞下玻璃而不伤身体。天地玄黄，宇宙洪荒。日月盈昃，辰宿列张。",
    "japanese": "いろはにほへと ちりぬるを わかよたれそ つねならむ カタカナ 漢字混じり文",
    "korean": "키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다",
    "georgian": "მინდა ვიცოდე რა არის ეს",
    "armenian": "Բարեւ աշխարհ, ինչպես ես",
    "tamil": "யாமறிந்த மொழிகளிலே தமிழ்மொழி போல் இனிதாவது எங்கும் காணோம்",
    "ethiopic": "ሰላም ልዑል ዓለም",
    "emoji": "😀😃🙂🙃 👍🏽👍🏿 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 ❤️‍🔥 🧑🏻‍💻 ☕️",
    "math": "∀x∈ℝ: x² ≥ 0 ∧ ∑ᵢ aᵢ ≤ ∞ ⊕ ⊗ ≠ ≈ √2 ∫₀¹ f(x)dx ℵ₀ 𝔽 𝕏 𝒜",
    "symbols": "© ® ™ € £ ¥ ₹ § ¶ † ‡ • … ‰ ← → ↑ ↓ ½ ¾ ° ± × ÷ « » „ “ ” ‘ ’ ‹ ›",
    "combining": "e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0351\u0352\u0353 \u1e9b\u0323 ﬁ ﬂ Å Å",
}

CODE = [
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i] * b[i];\n}\n",
    "const x = {a: 1, 'b': [2, 3], \"c\": null}; // comment\n",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
    "<html>\n  <body class=\"main\">&amp; &lt;tag&gt;</body>\n</html>",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
    "{\"key\": \"value\", \"n\": 3.14e-10, \"list\": [true, false, null]}",
    "    indented    with    spaces\n\t\ttabs\t\tand\r\nCRLF\r\n",
    "$ git commit -m 'fix: handle   edge-cases'  && echo $?",
    "x = [i**2 for i in range(10) if i % 2 == 0]  # squares",
]

SPECIAL_TEXTS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>",
                 "<|reserved_special_token_5|>", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>",
                 "<s>", "</s>", "<unk>", "<bos>", "<eos>", "<pad>", "<start_of_turn>", "<end_of_turn>",
                 "<start_of_image>", "[INST]", "[/INST]", "<<SYS>>"]

WHITESPACE = [" ", "  ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u00a0", "\u3000", "\u2009", "\u200b", "\x0b", "\x0c"]


def random_code_point(rng):
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F),
              (0xE00, 0xE7F), (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF),
              (0x2000, 0x206F), (0x0, 0x1F), (0x10000, 0x1FFFF), (0xE000, 0xF8FF), (0xFFF0, 0xFFFD)]
    lo, hi = rng.choice(ranges)
    cp = rng.randint(lo, hi)
    return chr(cp) if not 0xD800 <= cp <= 0xDFFF else "?"


def generate_strings():
    rng = random.Random(SEED)
    strings = ["", " ", "a", "  ", "\n", "Hello world", " Hello world", "Hello  world ", "hello\nworld",
               "1234567890", "3.14159265358979", "1,234,567.89", "2026-07-22T12:34:56Z", "0000000", "١٢٣٤٥",
               "I'm here, aren't you? We've been there; they'd've known.", "A" * 100, "ab" * 500]
    strings += list(SCRIPTS.values()) + CODE + SPECIAL_TEXTS
    strings += [unicodedata.normalize(form, SCRIPTS["combining"]) for form in ("NFC", "NFD", "NFKC", "NFKD")]
    for _ in range(900):
        n = rng.randint(1, 25)
        words = [rng.choice(WORDS) for _ in range(n)]
        seps = [rng.choice([" ", " ", " ", ", ", ". ", "\n", "  ", "-", "'", " (", ") ", "? ", "! "]) for _ in words]
        strings.append("".join(w + s for w, s in zip(words, seps)).strip(" ") if rng.random() < 0.5
                       else "".join(w + s for w, s in zip(words, seps)))
    for _ in range(500):
        parts = []
        for _ in range(rng.randint(1, 6)):
            kind = rng.random()
            if kind < 0.35:
                text = rng.choice(list(SCRIPTS.values()))
                start = rng.randint(0, len(text) - 1)
                parts.append(text[start:start + rng.randint(1, 30)])
            elif kind < 0.55:
                parts.append(rng.choice(WORDS))
            elif kind < 0.7:
                parts.append(rng.choice(WHITESPACE) * rng.randint(1, 4))
            elif kind < 0.8:
                parts.append(str(rng.randint(0, 10 ** rng.randint(1, 15))))
            elif kind < 0.9:
                parts.append(rng.choice(SPECIAL_TEXTS))
            else:
                parts.append(rng.choice(CODE)[: rng.randint(1, 60)])
        strings.append("".join(parts))
    for _ in range(500):
        strings.append("".join(random_code_point(rng) for _ in range(rng.randint(1, 40))))
    for _ in range(300):
        ws = "".join(rng.choice(WHITESPACE) for _ in range(rng.randint(1, 12)))
        strings.append(rng.choice(["", rng.choice(WORDS)]) + ws + rng.choice(["", rng.choice(WORDS)]))
    for _ in range(300):
        special = rng.choice(SPECIAL_TEXTS)
        word = rng.choice(WORDS)
        strings.append(rng.choice([special + word, word + special, " " + special + " " + word,
                                   special + special, word + " " + special + "\n", special[:-1]]))
    for _ in range(200):
        strings.append(rng.choice(CODE) * rng.randint(1, 3))
    for length in (5000, 20000):
        strings.append("".join(rng.choice(WORDS) + rng.choice([" ", "\n", ", "]) for _ in range(length // 6)))
    strings.append(" ".join(SCRIPTS.values()) * 40)
    return strings


CHATS = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "What is 2+2?"}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
     {"role": "user", "content": "Tell me a joke."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour."},
     {"role": "assistant", "content": "Blue."}, {"role": "user", "content": "Another."},
     {"role": "assistant", "content": "Green."}],
    [{"role": "user", "content": "  padded content with spaces \n\n"},
     {"role": "assistant", "content": "\n  reply with leading newline and trailing spaces   "}],
    [{"role": "user", "content": "Unicode: 日本語, émoji 😀, Ελληνικά, עברית\nline two\ttab"}],
    [{"role": "user", "content": "Text with special tokens <|im_end|> <s> <bos> <|eot_id|> inside"}],
    [{"role": "user", "content": "Literal braces {{ x }} and {% if %} and {# c #} stay text"}],
    [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}],
    [{"role": "user", "content": "Solve x+1=2."},
     {"role": "assistant", "content": "<think>\nSubtract 1.\n</think>\n\nx = 1."}],
    [{"role": "user", "content": "First"}, {"role": "assistant", "content": "<think>\nold reasoning\n</think>\n\nOne"},
     {"role": "user", "content": "Second"}, {"role": "assistant", "content": "Two"}],
    [{"role": "user", "content": "one"}, {"role": "user", "content": "two in a row"}],
    [{"role": "assistant", "content": "assistant first"}],
    [{"role": "system", "content": "System only."}],
]


MESSAGES = [{"role": "system", "content": "  Be nice. "}, {"role": "user", "content": "Hi <tool_response>x</tool_response>"},
            {"role": "assistant", "content": "<think>\nplan\n</think>\n\nHello!\n"}, {"role": "user", "content": "Bye\u00a0"}]

JINJA_CASES = [
    "{{ messages[0].content.strip() }}|{{ messages[0].content.lstrip() }}|{{ messages[0].content.rstrip() }}|",
    "{{ messages[3].content.strip() }}|{{ messages[3].content | trim }}|{{ '--x--'.strip('-') }}",
    "{% for m in messages[::-1] %}{{ m.role }},{% endfor %}",
    "{% for m in messages[1::2] %}{{ m.role }},{% endfor %}{{ messages[:2] | length }}{{ messages[-2:][0].role }}",
    "{% set ns = namespace(last=messages|length - 1, seen=false) %}{% for m in messages %}{% if m.role == 'user' %}"
    "{% set ns.last = loop.index0 %}{% set ns.seen = true %}{% endif %}{% endfor %}{{ ns.last }} {{ ns.seen }}",
    "{{ messages[1].content.startswith('Hi') }} {{ messages[1].content.endswith('</tool_response>') }} "
    "{{ messages[1].content.startswith(('x', 'H')) }}",
    "{{ messages[2].content.split('</think>')[-1].lstrip('\\n') }}|"
    "{{ messages[2].content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}",
    "{{ 'a,b,,c'.split(',') | length }} {{ ' a  b '.split() | join('|') }} {{ 'a b c'.split(' ', 1)[1] }}",
    "{{ messages | tojson }}",
    "{{ messages[0] | tojson(indent=2) }}",
    "{{ {'b': 1, 'a': [1.5, none, true, 'é\\n\"q\"']} | tojson }}",
    "{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}",
    "{% for m in messages %}{{ loop.index }}/{{ loop.length }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %} "
    "{% endfor %}",
    "{% if messages[0]['content'] is string %}S{% endif %}{% if messages is defined %}D{% endif %}"
    "{% if undefined_thing is not defined %}U{% endif %}{% if none is none %}N{% endif %}",
    "A\n  {% if true %}\n  indented\n  {% endif %}\nB\n",
    "A\n  {%- if true -%}\n  x  \n  {%- endif -%}\n  B  {{- ' C ' -}}  D\n\n",
    "{{ 'Hello World'.lower() }} {{ 'hello world'.upper() }} {{ 'hello wORLD'.title() }} {{ 'hELLO'.capitalize() }}",
    "{{ 'aXbXc'.replace('X', '-') }} {{ 'aXbXc'.replace('X', '-', 1) }} {{ 'banana'.count('a') }} {{ 'banana'.find('n') }}",
    "{{ '-'.join(['a', 'b', 'c']) }} {{ 'line1\\nline2\\r\\nline3'.splitlines() | length }}",
    "{% set d = {'x': 1, 'y': 2} %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.get('z', 'none') }}",
    "{{ messages[0]['content'] + '|' + messages[1]['role'] }}{{ ' ' ~ 3 }}",
    "{%- if messages[0].role == 'system' %}{{ '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}{%- endif %}",
    "{% macro tag(name) %}<{{ name }}>{% endmacro %}{{ tag('a') }}{{ tag(messages[0].role) }}",
    "{{ raise_exception('custom failure message') }}",
    "{% for m in messages %}{% if loop.index0 == 1 %}{% continue %}{% endif %}{{ m.role }};{% endfor %}",
    "{{ messages | selectattr('role', 'equalto', 'user') | list | length }} {{ messages | map(attribute='role') | join(',') }}",
    "{{ (messages | last).role }} {{ (messages | first)['role'] }} {{ messages | length > 2 }}",
    "{% generation %}gen {{ messages[2].role }}{% endgeneration %}",
    "line\r\nwith CRLF\r\n{{ 'x' }}\r\n",
]


def jinja_fixtures():
    from transformers.utils.chat_template_utils import _compile_jinja_template
    cases = []
    for template in JINJA_CASES:
        entry = {"template": template}
        try:
            entry["rendered"] = _compile_jinja_template(template).render(
                messages=MESSAGES, add_generation_prompt=True, tools=None, documents=None, bos_token="<s>")
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
        cases.append(entry)
    path = os.path.join(HERE, "jinja_fixtures.json.gz")
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:
        f.write(json.dumps({"transformers_version": transformers.__version__, "messages": MESSAGES, "cases": cases},
                           ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    print(f"jinja: {len(cases)} templates -> {path}")


def materialise(name, directory):
    for file in ("tokenizer.json", "tokenizer_config.json"):
        with gzip.open(os.path.join(HERE, name, file + ".gz"), "rb") as src, open(os.path.join(directory, file), "wb") as dst:
            shutil.copyfileobj(src, dst)


def encode_cases(tok, hf, strings):
    cases = []
    for text in strings:
        plain = tok.encode(text, add_special_tokens=False).ids
        special = tok.encode(text, add_special_tokens=True).ids
        case = {"text": text, "ids": plain, "ids_special": special,
                "decode": tok.decode(special, skip_special_tokens=False),
                "decode_skip": tok.decode(special, skip_special_tokens=True)}
        hf_plain = hf(text, add_special_tokens=False)["input_ids"]
        hf_special = hf(text, add_special_tokens=True)["input_ids"]
        if hf_plain != plain:
            case["hf_ids"] = hf_plain
        if hf_special != special:
            case["hf_ids_special"] = hf_special
        for key, skip in (("decode", False), ("decode_skip", True)):
            hf_text = hf.decode(special, skip_special_tokens=skip)
            if hf_text != case[key]:
                case["hf_" + key] = hf_text
        cases.append(case)
    return cases


def random_decodes(tok, hf, rng):
    size = tok.get_vocab_size(with_added_tokens=True)
    added = [t.content for t in tok.get_added_tokens_decoder().values()]
    out = []
    for _ in range(300):
        ids = [rng.randrange(size) for _ in range(rng.randint(1, 12))]
        if rng.random() < 0.3 and added:
            ids.insert(rng.randrange(len(ids) + 1), tok.token_to_id(rng.choice(added)))
        ids = [i for i in ids if tok.id_to_token(i) is not None]
        entry = {"ids": ids, "decode": tok.decode(ids, skip_special_tokens=False),
                 "decode_skip": tok.decode(ids, skip_special_tokens=True)}
        for key, skip in (("decode", False), ("decode_skip", True)):
            hf_text = hf.decode(ids, skip_special_tokens=skip)
            if hf_text != entry[key]:
                entry["hf_" + key] = hf_text
        out.append(entry)
    return out


def token_samples(tok, rng):
    size = tok.get_vocab_size(with_added_tokens=True)
    ids = sorted(set([0, 1, 2, size - 1] + [rng.randrange(size) for _ in range(500)]
                     + [t for t in tok.get_added_tokens_decoder().keys()][:300]))
    return [[i, tok.id_to_token(i)] for i in ids if tok.id_to_token(i) is not None]


def render_chats(hf):
    if not getattr(hf, "chat_template", None):
        return []
    out = []
    for messages in CHATS:
        for generation in (False, True):
            entry = {"messages": messages, "add_generation_prompt": generation}
            try:
                rendered = hf.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation)
                entry["rendered"] = rendered
                entry["ids"] = hf(rendered, add_special_tokens=False)["input_ids"]
            except Exception as e:  # the template's raise_exception, or a Jinja error
                entry["error"] = f"{type(e).__name__}: {e}"
            out.append(entry)
    return out


def main():
    jinja_fixtures()
    strings = generate_strings()
    for name in NAMES:
        rng = random.Random(SEED + len(name))
        with tempfile.TemporaryDirectory() as directory:
            materialise(name, directory)
            tok = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
            hf = AutoTokenizer.from_pretrained(directory)
            fixture = {
                "tokenizers_version": tokenizers.__version__,
                "transformers_version": transformers.__version__,
                "python": sys.version.split()[0],
                "seed": SEED,
                "vocab_size": tok.get_vocab_size(with_added_tokens=True),
                "hf_len": len(hf),
                "special_tokens": {k: str(v) for k, v in hf.special_tokens_map.items() if isinstance(v, str)},
                "cases": encode_cases(tok, hf, strings),
                "random_decodes": random_decodes(tok, hf, rng),
                "tokens": token_samples(tok, rng),
                "chats": render_chats(hf),
            }
        path = os.path.join(HERE, name, "fixtures.json.gz")
        with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:
            f.write(json.dumps(fixture, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        differing = sum(1 for c in fixture["cases"] if any(k.startswith("hf_") for k in c))
        print(f"{name}: {len(fixture['cases'])} strings ({differing} where transformers differs from tokenizers), "
              f"{len(fixture['chats'])} chat renders, {os.path.getsize(path)} bytes -> {path}")


if __name__ == "__main__":
    main()
