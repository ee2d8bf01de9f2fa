"""HTML → PDF for the owner's report, with WeasyPrint, and nothing fetched from the network.

WeasyPrint lays the page out itself (pango for text, Debian's fonts through fontconfig), so a
report comes out of the web process in a fraction of a second with no browser to run. Every
resource it asks for goes through :class:`LocalOnlyURLFetcher`: ``data:`` URLs and files under
the project's static folders; anything else (``http:``, ``https:``, other files) is refused,
so a stray link in a template or in data can never make the server call out while rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

REPORT_STYLESHEET = "css/report.css"


def _allowed_roots() -> list[Path]:
    roots = [Path(d).resolve() for d in settings.STATICFILES_DIRS]
    roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def _local_fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnlyURLFetcher(URLFetcher):
        """Fetches ``data:`` URLs and static files only; refuses everything else."""

        def __init__(self, roots: list[Path]):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.roots = roots

        def fetch(self, url, headers=None):
            if url.lower().startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if not any(path.is_relative_to(root) for root in self.roots):
                    raise ValueError(f"refused: {url} is outside the static folders")
            return super().fetch(url, headers)

    return LocalOnlyURLFetcher


def local_url_fetcher():
    """A WeasyPrint URL fetcher limited to ``data:`` URLs and the project's static files."""
    return _local_fetcher_class()(_allowed_roots())


@dataclass(frozen=True)
class RenderedPDF:
    content: bytes
    pages: int


def pdf_render(html: str) -> RenderedPDF:
    """Lay ``html`` out on A4 with the report stylesheet and return the PDF and its page count."""
    # Imported here: WeasyPrint takes a moment to load, and only this view needs it.
    from weasyprint import CSS, HTML

    fetcher = local_url_fetcher()
    stylesheet = CSS(filename=finders.find(REPORT_STYLESHEET), url_fetcher=fetcher)
    base = Path(settings.STATICFILES_DIRS[0]).resolve()
    document = HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher).render(
        stylesheets=[stylesheet]
    )
    return RenderedPDF(content=document.write_pdf(), pages=len(document.pages))
