"""The one place rules read data from disk: files that ship inside installed packages (dictionaries,
language models) and the word lists a user names in an option.  Rules themselves do no I/O.

Nothing is downloaded: a missing package or file is an error that says what to install or fix.
"""

from __future__ import annotations

import functools
import os
import importlib
from pathlib import Path


def package_file(package: str, *parts: str, hint: str) -> Path:
    """The file ``parts`` inside the installed ``package`` (a module name); ``ImportError`` saying
    ``hint`` (what to install) when the package, or the file in it, is missing."""
    try:
        module = importlib.import_module(package)
    except ImportError as e:
        raise ImportError(hint) from e
    path = Path(module.__file__).parent.joinpath(*parts)
    if not path.exists():
        raise ImportError(f"{package} is installed without its bundled {'/'.join(parts)} ({path}); {hint}")
    return path


def word_counts(path: Path | str) -> tuple[list[str], list[int]]:
    """The ``word count`` lines of a frequency dictionary (other lines are skipped)."""
    words, counts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            w, _, c = line.rstrip("\n").partition(" ")
            if w and c.isdigit():
                words.append(w)
                counts.append(int(c))
    return words, counts


@functools.lru_cache(maxsize=1)
def english_dictionary():
    """symspellpy's English frequency dictionary (82,834 words, MIT): (words as a pyarrow string
    array, counts as an int64 NumPy array), loaded once per process."""
    import numpy as np
    import pyarrow as pa

    words, counts = word_counts(package_file(
        "symspellpy", "frequency_dictionary_en_82_765.txt",
        hint="the misspelling rule needs symspellpy (its dictionary): pip install symspellpy"))
    return pa.array(words, pa.string()), np.array(counts, dtype=np.int64)


def word_list(path: str, option: str) -> set[str]:
    """The words of a user's text file, one a line (``#`` starts a comment), lower-cased;
    ``ConfigError`` naming ``option`` when the file cannot be read."""
    from .errors import ConfigError

    words = set()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                w = line.split("#", 1)[0].strip().lower()
                if w:
                    words.add(w)
    except OSError as e:
        raise ConfigError(f"option {option}: cannot read {path!r}: {e.strerror or e}; "
                          f"give a text file with one word a line") from None
    return words


def eval_index(paths: tuple[str, ...], n: int):
    """The ``evalindex.EvalIndex`` of the evaluation files or index files ``paths`` (``--against``),
    built or read once per process and per version of the files (a notebook that edits an eval file
    and lints again must not get the old index)."""
    return _eval_index(paths, n, tuple(_stamp(p) for p in paths))


def _stamp(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


@functools.lru_cache(maxsize=2)
def _eval_index(paths: tuple[str, ...], n: int, _stamps: tuple):
    from .evalindex import load

    return load(paths, n)


# -- the trainer's view: chat templates and tokenizers (issue 18) -----------------------------------

_CHAT_HINT = "the trainer's-view chat rules need the chat extra: pip install 'trainlint[chat]'"

from .templating import ChatTemplate, TemplateError  # noqa: E402,F401 - where the loader's callers find them


def _template_tokens(source: str) -> tuple[str, ...]:
    import re

    return tuple(sorted(set(re.findall(r"<\|[A-Za-z0-9_]+\|>|<(?:start|end)_of_turn>|\[/?INST\]", source))))


@functools.lru_cache(maxsize=8)
def chat_template(spec: str, tokenizer: str | None = None) -> ChatTemplate:
    """A bundled family (``chatml``, ``qwen2``, ``qwen2.5``/``qwen``, ``llama3``, ``mistral``, ``gemma``), a Jinja file, or
    (``spec`` empty) the ``chat_template`` of the model folder ``tokenizer``."""
    import json

    from .chat_templates import ALIASES, FAMILIES
    from .errors import ConfigError

    if spec:
        family = ALIASES.get(spec.lower(), spec.lower())
        if family in FAMILIES:
            source, control, eot = FAMILIES[family]
            return ChatTemplate(family, source, control, eot)
        try:
            source = Path(spec).read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"--chat-template: {spec!r} is no bundled family ({', '.join(sorted(FAMILIES))}) "
                              f"and no readable Jinja file: {e.strerror or e}") from None
        return _compiled(spec, Path(spec).name, source, _template_tokens(source))
    cfg = Path(tokenizer or "") / "tokenizer_config.json"
    try:
        config = json.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    config = config if isinstance(config, dict) else {}
    source = config.get("chat_template")
    if isinstance(source, list):  # named templates: the default one
        source = next((t.get("template") for t in source if isinstance(t, dict) and t.get("name") == "default"), None)
    if not isinstance(source, str):
        raise ConfigError("give --chat-template (chatml, qwen, llama3, mistral, gemma or a Jinja file): "
                          f"{tokenizer!r} has no tokenizer_config.json with a chat_template")
    # the folder's bos/eos tokens, as transformers passes them (a template ends turns with eos_token)
    tokens = {k: _token_text(config.get(k)) for k in ("bos_token", "eos_token")}
    return _compiled(f"{cfg} (chat_template)", str(tokenizer), source,
                     _template_tokens(source) + tuple(t for t in tokens.values() if t), **tokens)


def _compiled(where: str, name: str, source: str, control: tuple[str, ...], **tokens) -> ChatTemplate:
    """A user's template compiled; a syntax error is a ``ConfigError`` with its line, not a crash."""
    from .errors import ConfigError

    try:
        return ChatTemplate(name, source, control, None, **tokens)
    except ImportError:
        raise
    except Exception as e:  # noqa: BLE001 - TemplateSyntaxError and whatever else Jinja's compiler raises
        line = getattr(e, "lineno", None)
        raise ConfigError(f"--chat-template: {where}{f':{line}' if line else ''}: the template does not compile: "
                          f"{getattr(e, 'message', None) or e}") from None


def _token_text(token) -> str:
    """A tokenizer_config token: a string, or an AddedToken dict with ``content``."""
    if isinstance(token, dict):
        token = token.get("content")
    return token if isinstance(token, str) else ""


class Tokenizer:
    """A local tokenizer: ``lengths(texts) -> token counts`` and its ``special`` tokens.
    Backends: ``tokenizers`` (tokenizer.json, a model folder), Mistral's tekken JSON (tiktoken) and
    SentencePiece models (``tokenizer.model``, Mistral's ``*.model.v3``; the sentencepiece package).

    ``tokenizers`` matches special tokens written in the text, as a trainer's tokenizer does; the
    other two encode ``[INST]`` as plain text (four tokens), so for them (``split``) a special token
    counts one and the text between is encoded piece by piece, as mistral-common encodes a
    conversation: each message's text from its first character, without the one space a template
    writes after a control token (``strip``; SentencePiece's dummy prefix is that space).  With the
    bundled Mistral template the counts equal mistral-common's, token for token (a test checks it)."""

    def __init__(self, encode_batch, special: tuple[str, ...], name: str, split: bool = False, strip: bool = False):
        import re

        self._encode_batch, self.special, self.name, self._strip = encode_batch, special, name, strip
        ordered = sorted((t for t in special if t), key=len, reverse=True)
        self._split = re.compile("(" + "|".join(map(re.escape, ordered)) + ")") if split and ordered else None

    def lengths(self, texts: list[str]) -> list[int]:
        if self._split is None:
            return self._encode_batch(texts)
        counts, pieces, owner = [], [], []
        for n, text in enumerate(texts):
            parts = self._split.split(text)
            counts.append(len(parts) // 2)
            for j in range(0, len(parts), 2):
                piece = parts[j][1:] if self._strip and j and parts[j].startswith(" ") else parts[j]
                if piece:
                    pieces.append(piece)
                    owner.append(n)
        for n, k in zip(owner, self._encode_batch(pieces) if pieces else ()):
            counts[n] += k
        return counts


def _tokenizer_file(path: str) -> Path:
    """The tokenizer file of ``path``: the file itself, or a model folder's tokenizer.json (else its
    SentencePiece tokenizer.model)."""
    from .errors import ConfigError

    p = Path(path)
    if p.is_dir():
        p = next((p / n for n in ("tokenizer.json", "tokenizer.model") if (p / n).is_file()), p / "tokenizer.json")
    if not p.is_file():
        raise ConfigError(f"--tokenizer: {path!r} is no tokenizer file (tokenizer.json, a SentencePiece "
                          f".model, a tekken JSON) or model folder with one (nothing is downloaded)")
    return p


@functools.lru_cache(maxsize=4)
def tokenizer(path: str) -> Tokenizer:
    """The tokenizer at ``path`` (a tokenizer.json, a SentencePiece model, a tekken.json, or a model
    folder holding one); never a download."""
    from .errors import ConfigError

    p = _tokenizer_file(path)
    with open(p, "rb") as f:
        head = f.read(4096)
    if not head.lstrip().startswith(b"{"):  # a protobuf, not JSON: a SentencePiece model
        return _sentencepiece(p)
    if b'"pattern"' in head and b'"num_vocab_tokens"' in head:
        return _tekken(p)
    try:
        from tokenizers import Tokenizer as HFTokenizer
    except ImportError as e:
        raise ImportError(_CHAT_HINT) from e
    try:
        tok = HFTokenizer.from_file(str(p))
    except Exception as e:  # noqa: BLE001 - the library's own message
        raise ConfigError(f"--tokenizer: cannot read {str(p)!r}: {e}") from None
    special = tuple(t.content for t in tok.get_added_tokens_decoder().values() if t.special)

    def encode(texts):
        return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)]

    return Tokenizer(encode, special, str(p))


def _sentencepiece(p: Path) -> Tokenizer:
    """A SentencePiece model (Llama 2, Mistral v1-v3, Gemma's tokenizer.model): its control pieces
    are the special tokens (placeholders such as ``[control_12]`` left out)."""
    import re

    from .errors import ConfigError

    try:
        import sentencepiece as spm
    except ImportError as e:
        raise ImportError(_CHAT_HINT) from e
    try:
        sp = spm.SentencePieceProcessor(model_file=str(p))
    except Exception as e:  # noqa: BLE001 - the library's own message (not a model, a damaged one)
        raise ConfigError(f"--tokenizer: cannot read {str(p)!r} as a SentencePiece model or JSON tokenizer: "
                          f"{str(e).strip() or type(e).__name__}") from None
    placeholder = re.compile(r"^(\[control_\d+\]|<SPECIAL_\d+>|<unused\d+>)$")
    special = tuple(piece for piece in (sp.id_to_piece(i) for i in range(sp.get_piece_size()) if sp.is_control(i))
                    if not placeholder.match(piece))

    def encode(texts):
        return [len(ids) for ids in sp.encode(list(texts), out_type=int, num_threads=1)]

    return Tokenizer(encode, special, str(p), split=True, strip=True)


#: the special tokens of a tekken file that lists none (mistral-common's DEPRECATED_SPECIAL_TOKENS)
_TEKKEN_SPECIAL = ("<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                   "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]",
                   "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]")


def _tekken(p: Path) -> Tokenizer:
    """Mistral's tekken tokenizer file (a byte-level BPE in tiktoken's format), through tiktoken."""
    import base64
    import json

    try:
        import tiktoken
    except ImportError as e:
        raise ImportError("a tekken tokenizer file needs tiktoken: pip install tiktoken") from e
    data = json.loads(p.read_text(encoding="utf-8"))
    cfg = data["config"]
    n = cfg["default_vocab_size"] - cfg["default_num_special_tokens"]
    ranks = {base64.b64decode(v["token_bytes"]): v["rank"] for v in data["vocab"][:n]}
    special = tuple(s["token_str"] for s in data.get("special_tokens") or [] if not s["token_str"].startswith("<SPECIAL_"))
    special = special or _TEKKEN_SPECIAL  # older files list none: mistral-common's defaults for them
    enc = tiktoken.Encoding(name=p.stem, pat_str=cfg["pattern"], mergeable_ranks=ranks, special_tokens={})

    def encode(texts):
        return [len(enc.encode_ordinary(t)) for t in texts]  # the batch call runs a thread pool: slower here

    return Tokenizer(encode, special, str(p), split=True, strip=True)
