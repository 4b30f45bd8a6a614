#!/usr/bin/env python3
"""Writes the binary dataset fixtures of train/src/test/resources/data (the JSON and CSV ones are hand-written).

Needs datasets, pyarrow and transformers (no torch, no network):
    python3 train/src/test/resources/data/make_data_fixtures.py

- messages.parquet (snappy, as the hub's files), alpaca_{zstd,gzip,lz4,none}.parquet: one per page codec
- hf_messages/: Dataset.save_to_disk (Arrow IPC stream + state.json + dataset_info.json)
- hf_dict/: DatasetDict.save_to_disk with train and test splits
- text.feather: Arrow IPC file format, uncompressed
- templates_rendered.json.gz: Loris's named chat templates (train/src/main/resources/.../templates) rendered by
  transformers' own Jinja renderer (render_jinja_template) for a few conversations, with and without the
  generation prompt, bos_token "<BOS>" and eos_token "<EOS>": what ChatTemplatesTest expects Jinjava to give.
"""
import gzip
import json
import os

import datasets
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
from transformers.utils.chat_template_utils import render_jinja_template

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "../../../main/resources/dev/loris/train/data/templates")

MESSAGES = [
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
                  {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3+3?"},
                  {"role": "assistant", "content": "6"}]},
    {"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]},
]
ALPACA = [
    {"instruction": "Translate to English.", "input": "bonjour", "output": "hello"},
    {"instruction": "Say yes.", "input": "", "output": "Yes."},
    {"instruction": "Count to three.", "input": "", "output": "1, 2, 3"},
    {"instruction": "Add the numbers.", "input": "2 and 5", "output": "7"},
]
TEXT = [{"text": "The quick brown fox."}, {"text": "Jumps over the lazy dog."}]


def write_binary_datasets():
    pq.write_table(pa.Table.from_pylist(MESSAGES), os.path.join(HERE, "messages.parquet"), compression="snappy")
    for codec in ["zstd", "gzip", "lz4", "none"]:
        pq.write_table(pa.Table.from_pylist(ALPACA), os.path.join(HERE, f"alpaca_{codec}.parquet"), compression=codec)
    datasets.Dataset.from_list(MESSAGES).save_to_disk(os.path.join(HERE, "hf_messages"))
    datasets.DatasetDict({
        "train": datasets.Dataset.from_list(ALPACA[:3]),
        "test": datasets.Dataset.from_list(ALPACA[3:]),
    }).save_to_disk(os.path.join(HERE, "hf_dict"))
    feather.write_feather(pa.Table.from_pylist(TEXT), os.path.join(HERE, "text.feather"), compression="uncompressed")


CONVERSATIONS = [
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
    MESSAGES[1]["messages"],
    [{"role": "user", "content": "Translate to English.\n\nbonjour", "instruction": "Translate to English.",
      "input": "bonjour"}, {"role": "assistant", "content": "hello"}],
]


def write_template_renders():
    out = []
    for file in sorted(os.listdir(TEMPLATES)):
        name = file[:-len(".jinja")]
        with open(os.path.join(TEMPLATES, file), encoding="utf-8") as f:
            source = f.read()
        for conversation in CONVERSATIONS:
            for prompt in (False, True):
                messages = conversation[:-1] if prompt else conversation
                rendered = render_jinja_template([messages], chat_template=source, add_generation_prompt=prompt,
                                                 bos_token="<BOS>", eos_token="<EOS>")[0][0]
                out.append({"template": name, "messages": messages, "add_generation_prompt": prompt,
                            "rendered": rendered})
    with gzip.GzipFile(os.path.join(HERE, "templates_rendered.json.gz"), "wb", mtime=0) as f:
        f.write(json.dumps(out, ensure_ascii=False, indent=1).encode("utf-8"))
    print(len(out), "renders")


if __name__ == "__main__":
    write_binary_datasets()
    write_template_renders()
