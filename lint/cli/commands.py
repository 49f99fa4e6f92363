"""The commands besides ``check``: ``clean`` (the cache), ``rules``, ``rule``, ``export-gx``,
``index`` and ``split``."""

from __future__ import annotations

from typing import Any

import click

from .common import CONTEXT, fail, guarded, split_values, write_atomic


@click.command("clean", context_settings=CONTEXT)
@click.option("--cache-dir", default=None, type=click.Path(file_okay=False), help="The cache to remove.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="Config file (finds the cache).")
@click.option("--dry-run", is_flag=True, help="Print the cache's size, remove nothing.")
def clean_cmd(cache_dir: str | None, config: str | None, dry_run: bool) -> None:
    """Remove the cache of rule states (.trainlint_cache)."""
    from ..config import resolve_settings
    from ..cachedir import clean
    from ..statecache import default_dir

    root = cache_dir or default_dir(resolve_settings(config, {}))
    files, size = clean(root, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{root}: {verb} {files} files, {size / 1e6:.1f} MB")


@click.command("rules", context_settings=CONTEXT)
@click.option("--output-format", type=click.Choice(["text", "json", "markdown"]), default="text",
              help="markdown: the README's rule table.")
def rules_cmd(output_format: str) -> None:
    """List every rule: code, name, severity, fix, default."""
    from ..errors import TrainlintError
    from ..registry import all_rules, markdown_table

    try:
        rules = all_rules()
    except TrainlintError as e:
        fail(str(e))
    if output_format == "markdown":
        click.echo(markdown_table(rules), nl=False)
        return
    if output_format == "json":
        import json

        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity.value,
                                "fix": r.fix.value if r.fix else None, "default": r.default,
                                "summary": r.summary()} for r in rules], indent=2))
        return
    for r in rules:
        fix = r.fix.value if r.fix else "-"
        dflt = "" if r.default else "  (off by default)"
        click.echo(f"{r.code}  {r.name:<26} {r.severity.value:<8} fix={fix:<7} {r.summary()}{dflt}")


@click.command("rule", context_settings=CONTEXT)
@click.argument("code")
def rule_cmd(code: str) -> None:
    """Print a rule's documentation (by code or name)."""
    from ..errors import TrainlintError
    from ..registry import find_rule

    try:
        click.echo(find_rule(code).render_doc())
    except TrainlintError as e:
        fail(str(e))


@click.command("export-gx", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Where to write the suite JSON.")
@click.option("--name", default=None, help="Suite name (default: trainlint-<file name>).")
@click.option("--id-column", default=None, help="Column of unique ids (default: id, uuid or *_id if unique).")
@click.option("--text", "text", multiple=True, help="Text column(s), comma-separated.")
@click.option("--label", default=None, help="Label column.")
@click.option("--input-format", default=None, help="File format: csv, tsv, jsonl, json, parquet.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="A trainlint.toml or pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
def export_gx_cmd(paths: tuple[str, ...], **o: Any) -> None:
    """Write a Great Expectations 1.x suite from what trainlint measures on the data."""

    def work() -> None:
        import json

        from ..config import resolve_settings
        from ..gx import export_suite

        settings = resolve_settings(o["config"], {"text": split_values(o["text"]), "label": o["label"],
                                                  "input_format": o["input_format"]}, isolated=o["isolated"])
        suite = export_suite(list(paths), settings, name=o["name"], id_column=o["id_column"])
        write_atomic(o["output"], json.dumps(suite, indent=2, ensure_ascii=False) + "\n")
        click.echo(f"{o['output']}: {len(suite['expectations'])} expectations", err=True)

    guarded(work)


@click.command("index", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The index file to write (conventionally *.tlidx).")
@click.option("--n", "n", type=click.IntRange(1, 64), default=13, show_default=True, help="Words per n-gram.")
@click.option("--text", "text", multiple=True, help="Text column(s) of the eval files, comma-separated.")
def index_cmd(paths: tuple[str, ...], output: str, n: int, text: tuple[str, ...]) -> None:
    """Write the hashed word n-grams of evaluation files (no text) for --against."""

    def work() -> None:
        from ..evalindex import write_index

        idx, size = write_index(list(paths), output, n, split_values(text))
        click.echo(f"{output}: {idx.rows} eval rows, {idx.hashes.size} distinct {n}-grams, "
                   f"{idx.inner.size + idx.whole.size} rows under {n} words ({idx.whole.size} of them common "
                   f"phrases, matched as whole texts only), {size} bytes", err=True)

    guarded(work)


@click.command("split", context_settings=CONTEXT)
@click.argument("data", nargs=-1, required=True)
@click.option("--test-size", type=float, default=0.2, show_default=True, help="Share of rows in test.")
@click.option("--valid-size", type=float, default=0.0, show_default=True, help="Share of rows in valid (0: none).")
@click.option("--stratify", default=None, metavar="COLUMN", help="Keep this column's proportions in every split.")
@click.option("--group", default=None, metavar="COLUMN", help="Rows with one value of COLUMN stay in one split.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, byte-identical files.")
@click.option("--text", "text", multiple=True, help="Text column(s), comma-separated.")
@click.option("--output-dir", required=True, type=click.Path(file_okay=False), help="Where train/test/valid go.")
def split_cmd(data: tuple[str, ...], **o: Any) -> None:
    """Split DATA (a file, or shards of one dataset) into train/test(/valid) files: no copy or near
    copy of a text, and no --group value, crosses a split."""

    def work() -> None:
        from ..splitting import TOLERANCE, split

        res = split(list(data), test_size=o["test_size"], valid_size=o["valid_size"], stratify=o["stratify"],
                    group=o["group"], seed=o["seed"], output_dir=o["output_dir"], text=split_values(o["text"]))
        click.echo(res.summary())
        if o["stratify"]:
            gap = res.max_label_gap()
            click.echo(f"largest gap between a label's share in a split and in the input: {gap:.2%} "
                       f"({'within' if gap <= TOLERANCE else 'above'} the {TOLERANCE:.0%} tolerance)")

    guarded(work)
