"""``trainlint.lint`` on in-memory inputs: Arrow PyCapsule streams (polars, DuckDB), Hugging Face
``Dataset``/``DatasetDict``, records, ``{split: frame}`` mappings; real data (SMS spam)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pytest
from helpers import ROOT

import trainlint
from trainlint.frames import to_table

SMS = ROOT.parent / "shared" / "data" / "sms_spam" / "SMSSpamCollection"
BANKING = ROOT.parent / "shared" / "data" / "banking77"


@pytest.fixture(scope="module")
def sms() -> pd.DataFrame:
    df = pd.read_csv(SMS, sep="\t", header=None, names=["label", "text"], quoting=3, dtype=str)
    return df[["text", "label"]]


@pytest.fixture(scope="module")
def expected(sms):
    r = trainlint.lint(sms, select="DU001,MV001")
    assert len(r.findings) == 403  # README of the data: 403 rows repeat an earlier message
    return [(f.code, f.row) for f in r.findings]


def _found(obj) -> list[tuple[str, int]]:
    return [(f.code, f.row) for f in trainlint.lint(obj, select="DU001,MV001").findings]


def test_polars_frame(sms, expected):
    pl = pytest.importorskip("polars")
    frame = pl.from_pandas(sms)
    assert hasattr(frame, "__arrow_c_stream__")
    assert _found(frame) == expected


def test_duckdb_relation(sms, expected):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("sms", sms)
    rel = con.sql("select text, label from sms")
    assert hasattr(rel, "__arrow_c_stream__")
    assert _found(rel) == expected


def test_arrow_stream_reader(sms, expected):
    table = pa.Table.from_pandas(sms, preserve_index=False)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1000))
    assert _found(reader) == expected


def test_records(sms, expected):
    assert _found(sms.to_dict("records")) == expected


def test_hf_dataset_is_read_without_a_copy(sms, expected):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_pandas(sms, preserve_index=False)
    assert _found(ds) == expected
    table = to_table(ds)
    mine, theirs = table.column("text").chunk(0), ds.data.table.column("text").chunk(0)
    assert mine.buffers()[2].address == theirs.buffers()[2].address  # the same bytes, not a copy


def test_hf_class_labels_show_names():
    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["ham", "spam"])})
    ds = datasets.Dataset.from_dict({"text": ["win a prize now", "see you at 5", "win a prize now"],
                                     "label": [1, 0, 0]}, features=features)
    msgs = [f.message for f in trainlint.lint(ds, select="LB001").findings]
    assert msgs and all("'ham'" in m and "'spam'" in m for m in msgs), msgs


def test_hf_dataset_dict_keys_become_splits():
    datasets = pytest.importorskip("datasets")
    train = pd.read_csv(BANKING / "train.csv", dtype=str).head(2000)
    test = pd.read_csv(BANKING / "test.csv", dtype=str).head(300)
    test = pd.concat([test, train.iloc[[5, 17]]], ignore_index=True)  # two training rows leak into test
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_pandas(train, preserve_index=False),
                               "test": datasets.Dataset.from_pandas(test, preserve_index=False)})
    r = trainlint.lint(dd, select="LK001")
    assert [s["split"] for s in r.sources] == ["train", "test"]
    assert [s["path"] for s in r.sources] == ["<train>", "<test>"]
    leaked = [(f.source, f.row) for f in r.findings if "appears in the train split" in f.message]
    assert ("<test>", 300) in leaked and ("<test>", 301) in leaked


def test_split_mapping_of_polars_frames():
    pl = pytest.importorskip("polars")
    r = trainlint.lint({"train": pl.DataFrame({"text": ["a b c d", "e f g h"]}),
                        "test": pl.DataFrame({"text": ["a b c d"]})}, select="LK001")
    assert [(f.source, f.row) for f in r.findings] == [("<test>", 0)]


def test_unknown_object_is_refused_with_what_works():
    with pytest.raises(TypeError, match="__arrow_c_stream__"):
        trainlint.lint(object())


def test_import_stays_light():
    code = ("import sys, trainlint; heavy = [m for m in ('pandas', 'pyarrow', 'polars', 'datasets', 'duckdb') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
