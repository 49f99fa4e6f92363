"""The real datasets of ../shared/data as the hygiene rules read them (shared by the benchmark and
the reviewed-sample tooling): (path relative to the data folder, lint() keyword arguments)."""

from __future__ import annotations

import glob
import os

DATA = os.environ.get("TRAINLINT_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")

_TSV1 = {"input_format": "tsv", "header": False}


def datasets() -> list[tuple[str, dict]]:
    out = [
        ("sms_spam/SMSSpamCollection", {**_TSV1, "text": "column_2", "label": "column_1"}),
        ("banking77/train.csv", {"text": "text", "label": "category"}),
        ("banking77/test.csv", {"text": "text", "label": "category"}),
        ("chat/alpaca_en_demo.json", {}),
        ("chat/sharegpt_dummy_conversation.json", {}),
        ("chat/openai_toy_chat_fine_tuning.jsonl", {}),
        ("mrpc/msr_paraphrase_train.txt", {"input_format": "tsv",
                                           "text": ["#1 String", "#2 String"], "label": "Quality"}),
        ("mrpc/msr_paraphrase_test.txt", {"input_format": "tsv",
                                          "text": ["#1 String", "#2 String"], "label": "Quality"}),
        ("encoding/youtube01_psy_not_utf8.csv", {"encoding": "latin-1", "header": False}),
    ]
    for name in ("amazon_cells_labelled", "imdb_labelled", "yelp_labelled"):
        out.append((f"uci_sentiment/{name}.txt", {**_TSV1, "text": "column_1", "label": "column_2"}))
    for p in sorted(glob.glob(os.path.join(DATA, "lingua_sentences", "*.txt"))):
        out.append((os.path.relpath(p, DATA), {**_TSV1, "text": "column_1"}))
    return out
