"""Static files for slow links: hashed names, compressed copies, cached for a year.

``collectstatic`` writes each file under a name with its content hash (``asesor.3f2a….css``)
plus gzip and brotli copies; WhiteNoise serves them with ``Cache-Control: max-age=315360000,
immutable``, so a browser that has loaded a page once asks for none of them again until they
change, and a change gives a new name.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed and compressed storage, which falls back to the plain names when
    ``collectstatic`` has not run: the unit tests render pages without it, and the browser
    tests' server (``runserver --insecure``) serves the files from the app folders."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
