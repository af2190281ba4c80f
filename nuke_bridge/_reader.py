"""``.nk`` reader: TCL-style commands back into a :class:`Graph`, with every input reconnected.

It reads what :func:`write_nk` writes and real Nuke-saved scripts: ``#`` comments and ``#write_info``,
``version``, ``define_window_layout_xml {...}`` (skipped), ``Root``, node blocks with multi-line braced
values, the ``set``/``push`` stack (``push 0``, ``push $var``), ``Group`` ... ``end_group`` (children in
their own scope), ``add_layer``, and clones (``clone $C... {...}`` becomes a plain copy of the
original's class and knobs, overridden by the clone's own knobs).

Values are typed the way the writer types them, and a value is only typed when writing it back gives
the same text; anything else (``label {two words\\nmore}``, TCL ``[python ...]`` in bare words) is kept
as :class:`Raw` text, so ``write(read(text))`` never loses information the model does not carry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ._errors import NkParseError, NukeBridgeError
from ._graph import GROUP_CLASSES, SOURCE_CLASSES, Array, Curve, Expr, Graph, KnobValue, Node, Raw
from ._writer import FLOAT_RE, INT_RE, format_value

_UNESCAPE = {"n": "\n", "t": "\t", "r": "\r"}


@dataclass
class Word:
    """One TCL word: ``kind`` is ``bare``, ``brace`` or ``quote``; ``text`` excludes the delimiters."""

    kind: str
    text: str

    @property
    def raw(self) -> str:
        if self.kind == "brace":
            return "{" + self.text + "}"
        if self.kind == "quote":
            return '"' + self.text + '"'
        return self.text


@dataclass
class Command:
    """Words of one command with its 1-based line and leading-space count."""

    words: list[Word]
    line: int
    indent: int


class _Scanner:
    """Splits text into commands (newline-separated, braces/quotes/brackets group across lines)."""

    def __init__(self, text: str, source: str, first_line: int = 1) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.line = first_line

    def fail(self, message: str) -> NkParseError:
        return NkParseError(self.source, self.line, message)

    def _advance_to(self, end: int) -> str:
        chunk = self.text[self.pos : end]
        self.line += chunk.count("\n")
        self.pos = end
        return chunk

    def _match(self, start: int, opening: str, closing: str) -> int:
        """Index just past the delimiter closing the group opened at ``start``."""
        depth = 0
        i = start
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == opening and opening != closing:
                depth += 1
            elif ch == closing:
                if opening == closing:
                    if i > start:
                        return i + 1
                else:
                    depth -= 1
                    if depth == 0:
                        return i + 1
            i += 1
        raise self.fail(f"unterminated {opening}...{closing} group")

    def _word(self) -> Word:
        ch = self.text[self.pos]
        if ch == "{":
            end = self._match(self.pos, "{", "}")
            return Word("brace", self._advance_to(end)[1:-1])
        if ch == '"':
            end = self._match(self.pos, '"', '"')
            return Word("quote", self._advance_to(end)[1:-1])
        i = self.pos
        text = self.text
        while i < len(text) and text[i] not in " \t\r\n;":
            if text[i] == "\\":
                i += 2
            elif text[i] == "[":
                saved = self.pos
                self.pos = i
                i = self._match(i, "[", "]")
                self.pos = saved
            else:
                i += 1
        return Word("bare", self._advance_to(min(i, len(text))))

    def commands(self) -> list[Command]:
        out: list[Command] = []
        text = self.text
        while self.pos < len(text):
            line_start = text.rfind("\n", 0, self.pos) + 1
            while self.pos < len(text) and text[self.pos] in " \t\r;":
                self.pos += 1
            if self.pos >= len(text):
                break
            if text[self.pos] == "\n":
                self._advance_to(self.pos + 1)
                continue
            indent = self.pos - line_start
            if text[self.pos] == "#":
                end = text.find("\n", self.pos)
                self._advance_to(len(text) if end < 0 else end)
                continue
            start_line = self.line
            words: list[Word] = []
            while self.pos < len(text) and text[self.pos] not in "\n;":
                if text[self.pos] in " \t\r":
                    self.pos += 1
                    continue
                if text[self.pos] == "\\" and text[self.pos + 1 : self.pos + 2] == "\n":
                    self._advance_to(self.pos + 2)
                    continue
                words.append(self._word())
            out.append(Command(words, start_line, indent))
        return out


def unescape(text: str) -> str:
    """Undo TCL backslash escapes (``\\[`` -> ``[``, ``\\n`` -> newline)."""
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(_UNESCAPE.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _scalar(token: str) -> KnobValue | None:
    """A bare token as bool/int/float/str; ``None`` when it needs TCL (``[``, ``\\``, ``$``)."""
    if token in ("true", "false"):
        return token == "true"
    if INT_RE.match(token) and str(int(token)) == token:
        return int(token)
    if FLOAT_RE.match(token) and repr(float(token)) == token:
        return float(token)
    if any(ch in token for ch in '[]\\${}"'):
        return None
    return token


def _curve(body: str) -> Curve | None:
    tokens = body.split()
    if not tokens or tokens[0] != "curve":
        return None
    flags: list[str] = []
    keys: list[tuple[int | float, int | float]] = []
    frame: int | float = 1
    for token in tokens[1:]:
        if token.startswith("x") and len(token) > 1:
            value = _scalar(token[1:])
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return None
            frame = value
        elif token.isalpha() and not keys:
            flags.append(token)
        else:
            number = _scalar(token)
            if not isinstance(number, (int, float)) or isinstance(number, bool):
                return None
            keys.append((frame, number))
            frame = frame + 1
    return Curve(tuple(keys), " ".join(flags))


def _braced(content: str, source: str, line: int) -> KnobValue:
    raw = Raw("{" + content + "}")
    try:
        words = _Scanner(content, source, line).commands()
    except NkParseError:
        return raw
    if len(words) > 1:
        return raw
    items: list[KnobValue] = []
    for word in words[0].words if words else []:
        item: KnobValue | None
        if word.kind == "brace":
            item = _curve(word.text) or Expr(word.text)
        elif word.kind == "quote":
            item = unescape(word.text)
        else:
            item = _scalar(word.text)
        if item is None:
            return raw
        items.append(item)
    candidate = Array(tuple(items))
    try:
        if format_value(candidate) != raw.text:
            return raw
    except NukeBridgeError:
        return raw
    if len(items) == 1 and isinstance(items[0], (Curve, Expr)):
        return items[0]
    return candidate


def parse_value(word: Word, source: str = "<string>", line: int = 0) -> KnobValue:
    """One knob value word as a typed value (see the module docstring)."""
    if word.kind == "quote":
        return unescape(word.text)
    if word.kind == "brace":
        return _braced(word.text, source, line)
    value = _scalar(word.text)
    return Raw(word.text) if value is None else value


class _Builder:
    """Replays the commands: the stack, variables and group scopes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.graph = Graph(version="")
        self.scopes: list[tuple[Graph, list[Node | None], Node | None]] = []
        self.current = self.graph
        self.stack: list[Node | None] = []
        self.variables: dict[str, Node | None] = {}

    def fail(self, cmd: Command, message: str) -> NkParseError:
        return NkParseError(self.source, cmd.line, message)

    def body(self, cmd: Command, word: Word) -> list[tuple[str, list[Word], int]]:
        lines = _Scanner(word.text, self.source, cmd.line).commands()
        return [(c.words[0].text, c.words[1:], c.line) for c in lines if c.words]

    def node(self, cmd: Command, cls: str, word: Word, template: Node | None, opens_group: bool) -> None:
        knobs: dict[str, KnobValue] = dict(template.knobs) if template else {}
        name = ""
        xpos = ypos = None
        count: int | None = None
        masks = 0
        for knob, values, line in self.body(cmd, word):
            text = " ".join(v.raw for v in values)
            if knob == "inputs":
                parts = text.split("+")
                if not all(p.strip().isdigit() for p in parts):
                    raise NkParseError(self.source, line, f"bad inputs value {text!r}")
                count = sum(int(p) for p in parts)
                masks = sum(int(p) for p in parts[1:])
            elif knob == "name" and cls != "Root":
                name = unescape(values[0].text) if values else ""
            elif knob in ("xpos", "ypos") and len(values) == 1 and _scalar(text) is not None:
                value = _scalar(text)
                if isinstance(value, (int, float)):
                    xpos, ypos = (int(value), ypos) if knob == "xpos" else (xpos, int(value))
            elif len(values) == 1:
                knobs[knob] = parse_value(values[0], self.source, line)
            else:
                knobs[knob] = Raw(text)
        if cls == "Root":
            self.graph.root = Node("Root", "Root", knobs)
            return
        if count is None:
            count = 0 if cls in SOURCE_CLASSES else 1
            count = min(count, len(self.stack))
        inputs: list[str | None] = []
        for _ in range(count):
            item = self.stack.pop() if self.stack else None
            inputs.append(item.name if item is not None else None)
        if not name:
            name = self.current.unique_name(cls)
        node = Node(cls, name, knobs, inputs, masks, xpos, ypos)
        self.current.nodes.append(node)
        if opens_group:
            node.children = Graph(version=self.graph.version)
            self.scopes.append((self.current, self.stack, node))
            self.current, self.stack = node.children, []
        else:
            self.stack.append(node)

    def run(self, commands: list[Command]) -> Graph:
        for index, cmd in enumerate(commands):
            head = cmd.words[0].text
            args = cmd.words[1:]
            if head == "version":
                self.graph.version = " ".join(w.text for w in args)
            elif head in ("define_window_layout_xml", "cut_paste_input"):
                continue
            elif head == "set" and len(args) >= 2:
                self.variables[args[0].text] = self.stack[-1] if self.stack else None
            elif head == "push" and args:
                self.push(cmd, args[0].text)
            elif head == "end_group":
                if not self.scopes:
                    raise self.fail(cmd, "end_group without a Group")
                self.current, self.stack, group = self.scopes.pop()
                self.stack.append(group)
            elif head == "add_layer" and args:
                self.graph.layers.append(" ".join(w.raw for w in args))
            elif head == "clone" and len(args) == 2 and args[1].kind == "brace":
                self.clone(cmd, args[0].text, args[1])
            elif len(args) == 1 and args[0].kind == "brace" and cmd.words[0].kind == "bare":
                nxt = commands[index + 1] if index + 1 < len(commands) else None
                deeper = nxt is not None and nxt.indent > cmd.indent and nxt.words[0].text != "end_group"
                self.node(cmd, head, args[0], None, head in GROUP_CLASSES or deeper)
            else:
                raise self.fail(cmd, f"unexpected command {' '.join(w.raw for w in cmd.words)[:60]!r}")
        if self.scopes:
            raise NkParseError(self.source, 0, "Group without end_group")
        return self.graph

    def push(self, cmd: Command, arg: str) -> None:
        if arg == "0":
            self.stack.append(None)
        elif arg.startswith("$"):
            var = arg[1:]
            if var not in self.variables and var != "cut_paste_input":
                raise self.fail(cmd, f"push of unknown variable {arg}")
            self.stack.append(self.variables.get(var))
        else:
            raise self.fail(cmd, f"bad push argument {arg!r}")

    def clone(self, cmd: Command, ref: str, word: Word) -> None:
        if ref.startswith("$"):
            template = self.variables.get(ref[1:])
            if template is None:
                raise self.fail(cmd, f"clone of unknown node {ref}")
            self.node(cmd, template.cls, word, template, False)
            return
        parts = ref.split("|")
        if len(parts) < 2:
            raise self.fail(cmd, f"bad clone reference {ref!r}")
        self.node(cmd, parts[1], word, None, False)


def parse_nk(text: str, source: str = "<string>") -> Graph:
    """Parse ``.nk`` text into a :class:`Graph` (top-level scope; groups hold their children).

    Raises:
        NkParseError: unbalanced braces/quotes, a stack command with an unknown variable, an
            ``end_group`` without a Group, or a command the format does not have.
    """
    commands = _Scanner(text, source).commands()
    return _Builder(source).run([c for c in commands if c.words])


def read_nk(path: str | os.PathLike[str]) -> Graph:
    """Read and parse a ``.nk`` file (UTF-8, Latin-1 fallback for old scripts)."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise NkParseError(str(path), 0, f"cannot read ({exc.strerror})", "check the path") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_nk(text, str(path))
