"""A streaming reader of SUNAT's padrón reducido del RUC (no Django).

The file, as published and as the public parsers we checked read it (see the README, "SUNAT's
padrón reducido"): a zip holding one text file, ISO-8859-1, CRLF line ends, a header line
``RUC|NOMBRE O RAZÓN SOCIAL|ESTADO DEL CONTRIBUYENTE|…|KILÓMETRO|`` and then one taxpayer per
line, 15 pipe-separated fields with a trailing ``|``; ``-`` stands for an empty field, and a few
names carry a stray ``|`` of their own.

``padron_lines`` opens a zip or a .txt and yields its lines as bytes, in bounded memory;
``padron_rows`` turns them into :class:`PadronRow` or :class:`LineError` (line number, a reason
code and its parameters, which the caller words in the reader's language). Errors that concern
the whole file (not a zip, a truncated zip, a second member, a read that breaks off) raise
:class:`PadronFileError`.
"""

from __future__ import annotations

import hashlib
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

FIELDS = (
    "ruc",
    "name",
    "status",
    "condition",
    "ubigeo",
    "road_type",
    "road_name",
    "zone_code",
    "zone_type",
    "number",
    "interior",
    "lot",
    "apartment",
    "block",
    "kilometre",
)
N_FIELDS = len(FIELDS)
HEADER_START = b"RUC|"
EMPTY = "-"
CHUNK = 1 << 20
_UBIGEO = re.compile(r"\d{6}")
_STATUS = re.compile(r"[A-ZÑÁÉÍÓÚ][A-ZÑÁÉÍÓÚ .]*")


class PadronFileError(Exception):
    """The file as a whole cannot be read; ``code`` names why, ``params`` say where."""

    def __init__(self, code: str, **params):
        super().__init__(f"{code} {params}")
        self.code = code
        self.params = params


@dataclass(slots=True)
class LineError:
    line: int
    code: str  # fields | ruc | encoding
    params: dict = field(default_factory=dict)


@dataclass(slots=True)
class PadronRow:
    line: int
    ruc: str
    name: str
    status: str
    condition: str
    ubigeo: str
    road_type: str
    road_name: str
    zone_code: str
    zone_type: str
    number: str
    interior: str
    lot: str
    apartment: str
    block: str
    kilometre: str

    def address(self) -> str:
        """The address parts in the order SUNAT's own lookups print them, empty ones left out."""
        parts = (
            self.road_type,
            self.road_name,
            self.number and f"NRO. {self.number}",
            self.interior and f"INT. {self.interior}",
            self.apartment and f"DPTO. {self.apartment}",
            self.block and f"MZA. {self.block}",
            self.lot and f"LOTE {self.lot}",
            self.kilometre and f"KM. {self.kilometre}",
            self.zone_code,
            self.zone_type,
        )
        return " ".join(p for p in parts if p)


@dataclass(slots=True)
class ReadStats:
    """What a read saw, filled as it goes: lines read, lines decoded as UTF-8 (a file saved in
    the wrong encoding), whether a header was skipped."""

    lines: int = 0
    utf8_lines: int = 0
    header: bool = False


def file_digest(path: Path) -> str:
    """The SHA-256 of the file as given (the data version of everything imported from it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _chunks(f) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk


def _counted(chunks: Iterable[bytes], on_chunk: Callable[[int], None] | None) -> Iterator[bytes]:
    """``chunks`` as they are, ``on_chunk(n)`` told each one's size (a progress hook, called in
    the reading thread: never in the read-ahead thread, so it may use the database)."""
    for chunk in chunks:
        if on_chunk is not None:
            on_chunk(len(chunk))
        yield chunk


def _read_ahead(chunks: Iterator[bytes], depth: int = 4) -> Iterator[bytes]:
    """``chunks`` read by a thread of their own, at most ``depth`` ahead: inflating and the CRC
    release the GIL, so on two cores the zip is decompressed while the blocks are checked. An
    error in the thread is raised here, where the chunk it broke would have been."""
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def work() -> None:
        try:
            for chunk in chunks:
                ahead.put(chunk)
                if stop.is_set():
                    return
            ahead.put(end)
        except BaseException as error:  # handed to the reader, raised there
            ahead.put(error)

    thread = threading.Thread(target=work, name="padron-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := ahead.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let it finish its last put
            try:
                ahead.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def _blocks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Whole lines, many at a time: each block ends where a line does (its last ``\n`` cut)."""
    tail = b""
    for chunk in chunks:
        data = tail + chunk if tail else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            tail = data
            continue
        yield data[:cut]
        tail = data[cut + 1 :]
    if tail:
        yield tail


def padron_blocks(path: Path, *, on_chunk: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The text of ``path`` (a zip with one member, or a text file) in blocks of whole lines
    (``block.split(b"\n")`` gives them, ``\r`` still on), in bounded memory. ``on_chunk(n)`` is
    told the size of every chunk of text read (a progress hook: once a MB)."""
    path = Path(path)
    with open(path, "rb") as probe:
        is_zip = probe.read(4) == b"PK\x03\x04"
    if not is_zip:
        if path.suffix.lower() == ".zip":
            raise PadronFileError("not_zip")
        with open(path, "rb") as f:
            yield from _blocks(_counted(_chunks(f), on_chunk))
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise PadronFileError("truncated_zip") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            raise PadronFileError(
                "members", count=len(members), names=", ".join(m.filename for m in members)
            )
        count = 0
        try:
            with archive.open(members[0]) as f:
                for block in _blocks(_counted(_read_ahead(_chunks(f)), on_chunk)):
                    yield block
                    count += block.count(b"\n") + 1
        except (zipfile.BadZipFile, zlib.error, EOFError) as broken:
            raise PadronFileError("broken_zip", line=count + 1, detail=str(broken)) from None


def padron_lines(path: Path, *, on_chunk: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The lines of ``path`` (a zip with one member, or a text file), without line ends
    (``on_chunk``: as :func:`padron_blocks`)."""
    for block in padron_blocks(path, on_chunk=on_chunk):
        for raw in block.split(b"\n"):
            yield raw.rstrip(b"\r")


def _decode(raw: bytes, stats: ReadStats) -> str:
    if raw.isascii():
        return raw.decode("ascii")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
    # Latin-1 Spanish text is almost never valid UTF-8 (Ñ, Á… are lead bytes followed by ASCII),
    # so a line that decodes as UTF-8 was written in UTF-8: read it as such and count it.
    stats.utf8_lines += 1
    return text


def _fields(text: str) -> list[str] | None:
    parts = [p.strip() for p in text.split("|")]
    while len(parts) > N_FIELDS and parts[-1] == "":
        parts.pop()  # the trailing separator, and stray ones after the last field
    extra = len(parts) - N_FIELDS
    if extra < 0:
        return None
    if extra:
        # A stray pipe inside the name shifts every field after it: accept the line when what
        # then stands where the status and the ubigeo should be looks like them.
        status, ubigeo = parts[2 + extra], parts[4 + extra]
        if not (_STATUS.fullmatch(status) and (ubigeo == EMPTY or _UBIGEO.fullmatch(ubigeo))):
            return None
        parts = [parts[0], " ".join(p for p in parts[1 : 2 + extra] if p), *parts[2 + extra :]]
    return ["" if p == EMPTY else p for p in parts]


def parse_line(raw: bytes, number: int, stats: ReadStats) -> PadronRow | LineError:
    text = _decode(raw, stats)
    parts = _fields(text)
    if parts is None:
        return LineError(number, "fields", {"found": text.count("|"), "expected": N_FIELDS})
    ruc = parts[0]
    if len(ruc) != 11 or not ruc.isdigit():
        return LineError(number, "ruc", {"value": ruc[:20]})
    if parts[4] and not _UBIGEO.fullmatch(parts[4]):
        parts[4] = ""
    return PadronRow(number, *parts)


def _skipped(raw: bytes, only: Container[bytes]) -> bool:
    """Whether a line is of a RUC not wanted and has the padrón's shape (an 11-digit RUC, its
    separator, enough separators for the fields): such a line is not parsed."""
    return (
        raw[:11] not in only
        and raw.count(b"|") >= N_FIELDS - 1
        and raw[11:12] == b"|"
        and raw[:11].isdigit()
    )


def _line(
    raw: bytes, number: int, stats: ReadStats, only: Container[bytes] | None
) -> PadronRow | LineError | None:
    """One line's row or error, or None for a blank line, the header or a line skipped."""
    if not raw.strip():
        return None
    if number == 1 and raw.lstrip(b"\xef\xbb\xbf").startswith(HEADER_START):
        stats.header = True
        return None
    if only is not None and _skipped(raw, only):
        return None
    return parse_line(raw, number, stats)


def padron_rows(
    lines: Iterable[bytes], *, only: Container[bytes] | None = None, stats: ReadStats | None = None
) -> Iterator[PadronRow | LineError]:
    """Parse ``lines`` (from :func:`padron_lines`). With ``only`` (a set of RUCs as bytes), lines
    of other RUCs are not parsed, only checked cheaply for their shape (a RUC and enough
    separators), so a broken line is reported wherever it is."""
    stats = stats if stats is not None else ReadStats()
    for number, raw in enumerate(lines, start=1):
        stats.lines = number
        item = _line(raw, number, stats, only)
        if item is not None:
            yield item


_HEAD = itemgetter(slice(0, 12))  # the RUC and its separator
_NOT_PIPE_OR_NL = bytes(b for b in range(256) if b not in b"|\n")
_ENOUGH_PIPES = b"\n" + b"|" * (N_FIELDS - 1)


def _block_rows(
    blocks: Iterable[bytes], only: Container[bytes], stats: ReadStats
) -> Iterator[PadronRow | LineError]:
    """:func:`padron_rows` with ``only``, the same rows and errors, block by block: where every
    line of a block has the shape :func:`_skipped` asks for (checked with a few whole-block
    operations), only the lines of wanted RUCs (a set intersection) are looked at; a block with
    a blank, short or otherwise odd line, and the first (the header), go line by line."""
    wanted = {bytes(ruc) + b"|" for ruc in only}
    number = 0
    for block in blocks:
        lines = block.split(b"\n")
        n = len(lines)
        heads = list(map(_HEAD, lines))
        joined = b"".join(heads)
        digits = joined.translate(None, b"|")
        if (
            number
            and len(joined) == 12 * n
            and joined[11::12] == b"|" * n
            and len(digits) == 11 * n
            and digits.isdigit()
            and (b"\n" + block.translate(None, _NOT_PIPE_OR_NL)).count(_ENOUGH_PIPES) == n
        ):
            hits = wanted.intersection(heads)
            if hits:
                at = dict(zip(heads, range(n), strict=True))
                if len(at) == n:
                    found = sorted(at[h] for h in hits)
                else:  # a RUC twice in the block: every line of it
                    found = [i for i, h in enumerate(heads) if h in hits]
                for i in found:
                    stats.lines = number + i + 1
                    yield parse_line(lines[i].rstrip(b"\r"), number + i + 1, stats)
        else:
            for i, raw in enumerate(lines):
                stats.lines = number + i + 1
                item = _line(raw.rstrip(b"\r"), number + i + 1, stats, only)
                if item is not None:
                    yield item
        number += n
        stats.lines = number


def padron_read(
    path: Path,
    *,
    only: Container[bytes] | None = None,
    stats: ReadStats | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[PadronRow | LineError]:
    """:func:`padron_rows` of :func:`padron_lines` of ``path``; with ``only`` (an iterable set of
    RUCs as bytes), the same read block by block (:func:`_block_rows`), several times faster.
    ``on_chunk``: as :func:`padron_blocks`."""
    stats = stats if stats is not None else ReadStats()
    if only is not None and hasattr(only, "__iter__"):
        return _block_rows(padron_blocks(path, on_chunk=on_chunk), only, stats)
    return padron_rows(padron_lines(path, on_chunk=on_chunk), only=only, stats=stats)
