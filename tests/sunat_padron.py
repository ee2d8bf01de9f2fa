"""Generated padrones reducidos for tests and the bench: realistic lines (Latin-1, CRLF, the
header with its accents, ``-`` for empty fields, the trailing separator, now and then a stray pipe
in a name), at any size, written as a stream."""

from __future__ import annotations

import random
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

HEADER = (
    "RUC|NOMBRE O RAZÓN SOCIAL|ESTADO DEL CONTRIBUYENTE|CONDICIÓN DE DOMICILIO|UBIGEO|"
    "TIPO DE VÍA|NOMBRE DE VÍA|CÓDIGO DE ZONA|TIPO DE ZONA|NÚMERO|INTERIOR|LOTE|DEPARTAMENTO|"
    "MANZANA|KILÓMETRO|"
)
STATUSES = ["ACTIVO"] * 12 + [
    "BAJA DE OFICIO",
    "BAJA DEFINITIVA",
    "BAJA PROV. POR OFICIO",
    "SUSPENSION TEMPORAL",
]
CONDITIONS = ["HABIDO"] * 10 + ["NO HABIDO", "NO HALLADO", "PENDIENTE"]
NAMES = ["PEÑA", "CÁRDENAS", "NÚÑEZ", "QUISPE", "MAMANI", "HUAMÁN", "LÓPEZ", "ÑAUPARI", "ROJAS"]
FORMS = ["S.A.C.", "E.I.R.L.", "S.R.L.", "S.A."]
ROADS = ["AV.", "JR.", "CAL.", "PSJ.", "-"]
UBIGEOS = ["150101", "150122", "040101", "130101", "080101", "200101", "-"]


def padron_line(
    ruc: str,
    *,
    name: str,
    status: str = "ACTIVO",
    condition: str = "HABIDO",
    ubigeo: str = "150101",
    road: tuple[str, str] = ("AV.", "LOS ÑANDÚES"),
    number: str = "123",
) -> str:
    zone = ("-", "-")
    return "|".join([ruc, name, status, condition, ubigeo, *road, *zone, number] + ["-"] * 5) + "|"


def random_lines(n: int, *, seed: int = 0, rucs: Iterable[str] = ()) -> Iterator[str]:
    """``n`` lines of random taxpayers; the RUCs in ``rucs`` spread evenly among them, the rest
    made up (20… companies and 10… people)."""
    rnd = random.Random(seed)
    known = list(rucs)
    step = max(1, n // len(known)) if known else 0
    for i in range(n):
        k = i // step if step and i % step == 0 else -1
        ruc = known[k] if 0 <= k < len(known) else f"{'20' if i % 3 else '10'}{i:09d}"
        name = f"{rnd.choice(NAMES)} {rnd.choice(NAMES)} {rnd.choice(FORMS)}"
        if rnd.random() < 0.001:
            name = name.replace(" ", " | ", 1)  # a stray pipe inside the name
        yield padron_line(
            ruc,
            name=name,
            status=rnd.choice(STATUSES),
            condition=rnd.choice(CONDITIONS),
            ubigeo=rnd.choice(UBIGEOS),
            road=(rnd.choice(ROADS), rnd.choice(NAMES)),
            number=str(rnd.randint(1, 2000)) if rnd.random() < 0.7 else "-",
        )


def write_padron(
    path: Path,
    lines: Iterable[str],
    *,
    header: bool = True,
    encoding: str = "latin-1",
    as_zip: bool | None = None,
    member: str = "padron_reducido_ruc.txt",
) -> Path:
    """Write ``lines`` (CRLF, ``encoding``) to ``path``, zipped (one member) if it ends in .zip."""
    path = Path(path)
    as_zip = path.suffix == ".zip" if as_zip is None else as_zip

    def write(f) -> None:
        block = [HEADER] if header else []
        for text in lines:
            block.append(text)
            if len(block) >= 10_000:
                f.write(("\r\n".join(block) + "\r\n").encode(encoding))
                block.clear()
        if block:
            f.write(("\r\n".join(block) + "\r\n").encode(encoding))

    if as_zip:
        with (
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
            z.open(member, "w", force_zip64=True) as f,
        ):
            write(f)
    else:
        with open(path, "wb") as f:
            write(f)
    return path


def pooled_lines(
    n: int, *, seed: int = 0, rucs: Iterable[str] = (), pool: int = 20_000, only_known: bool = False
) -> Iterator[str]:
    """Like :func:`random_lines` but fast enough for 18 million lines (the bench): the part of
    each line after the RUC is drawn from ``pool`` random ones made once, so names, statuses,
    stray pipes and addresses are as varied as a sample of that size. ``only_known``: just the
    lines of ``rucs`` (the same ones, without making the rest)."""
    tails = [line.split("|", 1)[1] for line in random_lines(pool, seed=seed)]
    picks = random.Random(seed + 1).choices(range(pool), k=min(n, 1 << 16))
    known = list(rucs)
    step = max(1, n // len(known)) if known else 0
    for i in range(0, n, step or 1) if only_known else range(n):
        k = i // step if step and i % step == 0 else -1
        if only_known and not 0 <= k < len(known):
            continue
        ruc = known[k] if 0 <= k < len(known) else f"{'20' if i % 3 else '10'}{i:09d}"
        yield f"{ruc}|{tails[picks[i % len(picks)]]}"
