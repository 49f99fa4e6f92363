"""Throughput of the trainer's view (CH005-CH011): conversations per second of CPU time, one core.

    taskset -c 0 python benchmarks/chat_render.py [--n 20000] [--family chatml] [--max-length 4096]
                                                  [--tokenizer tekken|sentencepiece]

Conversations: the OpenAI toy file and the ShareGPT demo of ../shared/data/chat, repeated to ``--n``
(as OpenAI messages), in one JSONL file.  Tokenizer: Mistral's tekken BPE (150k vocabulary,
shipped in mistral-common), or its v3 SentencePiece model (32k, also shipped there).  The tokenizer is loaded once before timing (0.7 s), as a run pays once.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from trainlint import lint
from trainlint.resources import tokenizer
from trainlint.testing import sentencepiece_path, tekken_path

CHAT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "chat"


def corpus(n: int) -> list[dict]:
    base = [json.loads(line) for line in (CHAT / "openai_toy_chat_fine_tuning.jsonl").read_text().splitlines()]
    for conv in json.loads((CHAT / "sharegpt_dummy_conversation.json").read_text()):
        base.append({"messages": [{"role": "user" if t["from"] == "human" else "assistant", "content": t["value"]}
                                  for t in conv["conversations"]]})
    return [base[i % len(base)] for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--family", default="chatml")
    ap.add_argument("--max-length", type=int, default=4096)
    ap.add_argument("--tokenizer", choices=("tekken", "sentencepiece"), default="tekken")
    a = ap.parse_args()
    recs = corpus(a.n)
    tok = tekken_path() if a.tokenizer == "tekken" else sentencepiece_path()
    tokenizer(tok)
    view = {"chat-template": a.family, "tokenizer": tok}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "chat.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
        rows = []
        for label, select in (("read + parse only (CH003)", ["CH003"]),
                              ("trainer's view CH005-CH011", ["CH005", "CH006", "CH007", "CH008", "CH009", "CH010",
                                                              "CH011"])):
            t0, c0 = time.perf_counter(), time.process_time()
            report = lint(path, select=select, rules={
                "chat-template-error": view, "control-token-in-text": view, "assistant-span-dropped": view,
                "reasoning-dropped": view,
                "truncated-at-max-length": {**view, "max-length": a.max_length}})
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            rows.append((label, cpu, wall, len(report.findings)))
    chars = sum(len(m["content"]) for r in recs for m in r["messages"])
    print(f"{a.n:,} conversations ({chars / a.n:,.0f} characters each on average), template {a.family}, "
          f"{a.tokenizer}, --max-length {a.max_length}")
    print(f"{'run':32} {'cpu s':>7} {'wall s':>7} {'conv/s (cpu)':>13} {'findings':>9}")
    for label, cpu, wall, nf in rows:
        print(f"{label:32} {cpu:7.2f} {wall:7.2f} {a.n / cpu:13,.0f} {nf:9,}")
    extra = rows[1][1] - rows[0][1]
    print(f"the rules' own cost: {extra:.2f} s cpu = {a.n / extra:,.0f} conversations/s")


if __name__ == "__main__":
    main()
