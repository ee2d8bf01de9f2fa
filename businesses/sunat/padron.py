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
import re
import zipfile
import zlib
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
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


def _split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    tail = b""
    for chunk in chunks:
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        yield from lines
    if tail:
        yield tail


def _chunks(f, on_chunk: Callable[[int], None] | None = None) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        if on_chunk is not None:
            on_chunk(len(chunk))
        yield chunk


def padron_lines(path: Path, *, on_chunk: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The lines of ``path`` (a zip with one member, or a text file), without line ends.
    ``on_chunk(n)`` is told the size of every chunk of text read (a progress hook: once a MB)."""
    path = Path(path)
    with open(path, "rb") as probe:
        is_zip = probe.read(4) == b"PK\x03\x04"
    if not is_zip:
        if path.suffix.lower() == ".zip":
            raise PadronFileError("not_zip")
        with open(path, "rb") as f:
            for raw in _split_lines(_chunks(f, on_chunk)):
                yield raw.rstrip(b"\r")
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
                for raw in _split_lines(_chunks(f, on_chunk)):
                    count += 1
                    yield raw.rstrip(b"\r")
        except (zipfile.BadZipFile, zlib.error, EOFError) as broken:
            raise PadronFileError("broken_zip", line=count + 1, detail=str(broken)) from None


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


def padron_rows(
    lines: Iterable[bytes], *, only: Container[bytes] | None = None, stats: ReadStats | None = None
) -> Iterator[PadronRow | LineError]:
    """Parse ``lines`` (from :func:`padron_lines`). With ``only`` (a set of RUCs as bytes), lines
    of other RUCs are not parsed, only checked cheaply for their shape (a RUC and enough
    separators), so a broken line is reported wherever it is."""
    stats = stats if stats is not None else ReadStats()
    number = 0
    for raw in lines:
        number += 1
        stats.lines = number
        if not raw.strip():
            continue
        if number == 1 and raw.lstrip(b"\xef\xbb\xbf").startswith(HEADER_START):
            stats.header = True
            continue
        if (
            only is not None
            and raw[:11] not in only
            and raw.count(b"|") >= N_FIELDS - 1
            and raw[11:12] == b"|"
            and raw[:11].isdigit()
        ):
            continue
        yield parse_line(raw, number, stats)


def padron_read(
    path: Path,
    *,
    only: Container[bytes] | None = None,
    stats: ReadStats | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[PadronRow | LineError]:
    """:func:`padron_rows` of :func:`padron_lines` of ``path``."""
    return padron_rows(padron_lines(path, on_chunk=on_chunk), only=only, stats=stats)
